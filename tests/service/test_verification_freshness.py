"""Own documents are cached between verifications, yet a status or key change is seen at once.

The verifier keeps own status lists by version and their signatures by exact content
(`PublishedLists`, `ProofMemo`), the credentials' own proofs by exact bytes and key
(`Runtime.credential_proofs`), and an issuer's DID document and lists by its published
epoch (`PublishedDocuments`); these tests warm them, change a status or a key, and verify
again over HTTP straight away, anonymously and with a token (whose statement reads the epoch).
"""

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.domain.demo import ISSUER_SLUG
from service.runtime import Runtime
from tests.service.conftest import Getter, operator
from tests.service.factories import completion

pytestmark = pytest.mark.settings(suspension_entry=True)  # two lists per credential


@pytest.fixture
async def issued(client: httpx.AsyncClient, token: Getter) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/completions",
        json=completion("fresh"),
        headers={"Authorization": f"Bearer {await token()}"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _verdicts(
    client: httpx.AsyncClient, issued: dict[str, Any], headers: dict[str, str] | None = None
) -> list[tuple[str, Any]]:
    """The verdict of each form of the badge: JSON-LD, VC-JWT and its link."""
    found = []
    for body in (
        {"credential": issued["credential"]},
        {"jwt": issued["jwt"]},
        {"url": issued["url"]},
    ):
        response = await client.post("/api/v1/verifications", json=body, headers=headers)
        assert response.status_code == 200, response.text
        report = response.json()
        found.append((report["verdict"], report["verdictReason"]))
    return found


async def _change(
    client: httpx.AsyncClient, headers: dict[str, str], issued: dict[str, Any], action: str
) -> None:
    response = await client.post(
        f"/api/v1/credentials/{issued['id']}/{action}", json={"reason": "test"}, headers=headers
    )
    assert response.status_code == 200, response.text


async def test_a_revocation_is_seen_by_the_next_verification(
    client: httpx.AsyncClient, issued: dict[str, Any], revoker: dict[str, str], runtime: Runtime
) -> None:
    before = [await _verdicts(client, issued) for _ in range(2)]
    remembered = len(runtime.status_list_proofs), len(runtime.credential_proofs)
    await _change(client, revoker, issued, "revoke")

    after = await _verdicts(client, issued)

    assert before == [[("valid", None)] * 3] * 2
    # The warm caches: both lists' signatures; the badge's proof, its VC-JWT's JWS and payload.
    assert remembered == (2, 3)
    assert after == [("invalid", "status")] * 3
    assert len(runtime.credential_proofs) == 3  # the same bytes: nothing checked again


async def test_a_lifted_suspension_is_seen_by_the_next_verification(
    client: httpx.AsyncClient, issued: dict[str, Any], revoker: dict[str, str]
) -> None:
    await _verdicts(client, issued)
    await _change(client, revoker, issued, "suspend")
    suspended = await _verdicts(client, issued)
    await _change(client, revoker, issued, "reinstate")

    reinstated = await _verdicts(client, issued)

    assert suspended == [("invalid", "status")] * 3
    assert reinstated == [("valid", None)] * 3


async def test_a_revocation_is_seen_at_once_by_a_verifier_with_a_token(
    client: httpx.AsyncClient, issued: dict[str, Any], revoker: dict[str, str], token: Getter
) -> None:
    verifier = {"Authorization": f"Bearer {await token()}"}
    before = [await _verdicts(client, issued, verifier) for _ in range(2)]
    await _change(client, revoker, issued, "revoke")

    after = await _verdicts(client, issued, verifier)

    assert before == [[("valid", None)] * 3] * 2
    assert after == [("invalid", "status")] * 3


@pytest.mark.parametrize("with_token", [False, True])
async def test_a_key_compromise_is_seen_by_the_next_verification(
    client: httpx.AsyncClient,
    issued: dict[str, Any],
    token: Getter,
    runtime: Runtime,
    session: AsyncSession,
    with_token: bool,
) -> None:
    headers = {"Authorization": f"Bearer {await token()}"} if with_token else None
    before = [await _verdicts(client, issued, headers) for _ in range(2)]
    method = issued["credential"]["proof"][0]["verificationMethod"].split("#")[1]
    await operator(session, runtime).keys.compromise(
        ISSUER_SLUG, method, datetime(2020, 1, 1, tzinfo=UTC), actor="test"
    )
    await session.commit()

    after = await _verdicts(client, issued, headers)

    assert before == [[("valid", None)] * 3] * 2
    assert after[0][0] == "invalid"  # the JSON-LD proof's key, compromised before it signed
    assert after[2][0] == "invalid"  # and the link, which serves that form
