"""Our eddsa-rdfc-2022 proofs against Digital Bazaar's JavaScript stack, both ways."""

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openbadges.contexts import ContextLoader
from openbadges.errors import ProofError
from openbadges.keys import KeyPair, generate_key_pair
from openbadges.proofs.eddsa_rdfc_2022 import create_proof, verify_proof
from tests.factories import explorer_credential
from tests.interop.dbstack import DbStack

pytestmark = pytest.mark.interop

LOADER = ContextLoader()
KEY = generate_key_pair()


def signed_by_us(credential: dict[str, Any], key: KeyPair = KEY) -> dict[str, Any]:
    proof = create_proof(credential, key, loader=LOADER, created=datetime.now(UTC))
    return {**credential, "proof": proof}


def js_key(key: KeyPair) -> dict[str, Any]:
    file = key.to_key_file()
    return {
        name: file[name]
        for name in ("id", "controller", "publicKeyMultibase", "secretKeyMultibase")
    }


def test_our_credential_verifies_with_digital_bazaar(dbstack: DbStack) -> None:
    signed = signed_by_us(explorer_credential(KEY.controller))

    assert dbstack.verify(signed) == (True, [])


def test_digital_bazaar_credential_verifies_with_us(dbstack: DbStack) -> None:
    signed = dbstack.sign(explorer_credential(KEY.controller), js_key(KEY))

    verify_proof(signed, signed["proof"], KEY.public_key, loader=LOADER)


def test_same_key_and_time_give_the_same_proof_as_digital_bazaar(dbstack: DbStack) -> None:
    credential = explorer_credential(KEY.controller)
    theirs = dbstack.sign(credential, js_key(KEY), created="2026-11-21T16:42:05Z")
    ours = create_proof(
        credential, KEY, loader=LOADER, created=datetime(2026, 11, 21, 16, 42, 5, tzinfo=UTC)
    )

    assert ours == theirs["proof"]


@pytest.mark.parametrize(
    "path",
    [
        ("credentialSubject", "achievement", "name"),
        ("evidence", 0, "narrative"),
        ("issuer", "name"),
        ("validFrom",),
        ("proof", "created"),
    ],
)
def test_tampering_fails_for_both(dbstack: DbStack, path: tuple[Any, ...]) -> None:
    for signed in (
        signed_by_us(explorer_credential(KEY.controller)),
        dbstack.sign(explorer_credential(KEY.controller), js_key(KEY)),
    ):
        tampered = copy.deepcopy(signed)
        target = tampered
        for step in path[:-1]:
            target = target[step]
        original = target[path[-1]]
        target[path[-1]] = original[:-2] + ("1" if original[-2] != "1" else "2") + original[-1]

        assert dbstack.verify(tampered)[0] is False
        with pytest.raises(ProofError):
            verify_proof(tampered, tampered["proof"], KEY.public_key, loader=LOADER)


answers = st.text(st.characters(codec="utf-8"), min_size=1, max_size=2000)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    answer=answers,
    name=st.sampled_from(["Explorateur", "مستكشف", "探索者 🧭", "Ex\u0301plorateur"]),
)
def test_arbitrary_utf8_signs_and_verifies_both_ways(
    dbstack: DbStack, answer: str, name: str
) -> None:
    credential = explorer_credential(KEY.controller, answer=answer, name=name)

    assert dbstack.verify(signed_by_us(credential)) == (True, [])
    theirs = dbstack.sign(credential, js_key(KEY))
    verify_proof(theirs, theirs["proof"], KEY.public_key, loader=LOADER)


def test_long_french_answers_verify(dbstack: DbStack) -> None:
    answer = "Réflexion « approfondie » sur l'innovation pédagogique au 21e siècle. " * 400
    assert dbstack.verify(signed_by_us(explorer_credential(KEY.controller, answer=answer))) == (
        True,
        [],
    )
