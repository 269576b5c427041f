"""The library caps status entries and keys tried, and reports what ran out."""

from typing import Any

from openbadges.dids import controller_document
from openbadges.keys import generate_key_pair, public_jwk
from openbadges.proofs.jwt import sign_jwt
from openbadges.resolver import StaticResolver
from openbadges.status import status_entry
from openbadges.verification import Budget, verify
from tests.factories import explorer_credential
from tests.openbadges.verification.conftest import ISSUER, NOW, STATUS_URL, Issuer


def plain_credential(**members: Any) -> dict[str, Any]:
    """A VC 2.0 credential (not OB 3.0, whose schema allows a single status entry)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:5b0a3a8e-0e6f-4f7e-9d0e-1a2b3c4d5e6f",
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:marie"},
        **members,
    }


def budget_checks(result: Any) -> list[Any]:
    return [check for check in result.checks if check.code == "budget"]


async def test_status_entries_past_the_budget_are_not_checked(issuer: Issuer) -> None:
    entries = [status_entry(STATUS_URL, index, "revocation") for index in range(300)]
    credential = issuer.sign(plain_credential(credentialStatus=entries))

    result = await verify(credential, resolver=issuer.resolver(), now=NOW)

    assert len([c for c in result.checks if c.code == "status"]) == 10
    (budget,) = budget_checks(result)
    assert budget.detail == {"limit": "status-entries", "max": 10}
    assert result.verdict == "unverifiable"
    assert result.verdict_check is budget


async def test_a_budget_of_its_own_raises_the_cap(issuer: Issuer) -> None:
    entries = [status_entry(STATUS_URL, index, "revocation") for index in range(12)]
    credential = issuer.sign(plain_credential(credentialStatus=entries))

    result = await verify(
        credential, resolver=issuer.resolver(), now=NOW, budget=Budget(max_status_entries=12)
    )

    assert result.verdict == "valid", result.to_json()
    assert not budget_checks(result)


async def test_proofs_past_the_key_budget_are_not_tried(issuer: Issuer) -> None:
    credential = issuer.sign(issuer.credential())
    credential["proof"] = [credential["proof"]] * 3

    result = await verify(
        credential, resolver=issuer.resolver(), now=NOW, budget=Budget(max_keys=2)
    )

    assert len([c for c in result.checks if c.code == "proof"]) == 2
    assert budget_checks(result)[0].detail == {"limit": "keys", "max": 2}
    assert result.verdict == "unverifiable"


async def test_an_issuer_listing_many_keys_is_searched_only_within_the_budget() -> None:
    others = [generate_key_pair(controller=ISSUER, vm_id=f"{ISSUER}#k{i}") for i in range(30)]
    signer = generate_key_pair(controller=ISSUER, vm_id=f"{ISSUER}#signer")
    kid = "https://insigne.example/keys/signer.json"
    documents = {
        ISSUER: controller_document(
            ISSUER, [key.verification_method() for key in [*others, signer]]
        ),
        kid: public_jwk(signer.public_key),
    }
    token = sign_jwt(explorer_credential(ISSUER), signer, kid=kid)

    result = await verify(token, resolver=StaticResolver(documents), now=NOW)

    (budget,) = budget_checks(result)
    assert budget.detail == {"limit": "keys", "max": 10}
    assert {c.code: c.cause for c in result.checks if c.status == "failed"}["issuer-key"] == (
        "budget"
    )
    assert result.verdict == "unverifiable"
    assert result.to_json("fr")["checks"][-1]["message"].startswith("La vérification a atteint")
