"""The keyed permutation that turns a list's counter into a random-looking status index."""

import secrets

import pytest

from service.domain.credentials.status_slots import permuted_index

pytestmark = pytest.mark.no_sql


@pytest.mark.parametrize("size", [1, 2, 3, 255, 256, 1000, 4097])
def test_every_position_gets_its_own_index(size: int) -> None:
    key = secrets.token_bytes(16)

    indexes = [permuted_index(position, key, size) for position in range(size)]

    assert sorted(indexes) == list(range(size))


def test_the_order_of_issuance_does_not_show() -> None:
    key = secrets.token_bytes(16)

    first = [permuted_index(position, key, 131_072) for position in range(64)]

    assert first != sorted(first)
    assert max(first) - min(first) > 64  # spread over the list, not a run of neighbours
    assert first != [permuted_index(p, secrets.token_bytes(16), 131_072) for p in range(64)]


@pytest.mark.parametrize("position", [-1, 10])
def test_a_position_outside_the_list_is_refused(position: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        permuted_index(position, b"k" * 16, 10)
