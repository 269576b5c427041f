"""A proof is checked once per exact document and key: a changed one is checked again.

Status lists (``status_list_proofs``) and the credentials themselves (``credential_proofs``).
"""

from typing import Any

from openbadges.dids import controller_document
from openbadges.keys import generate_key_pair
from openbadges.proofs.jwt import sign_jwt
from openbadges.verification import verify
from openbadges.verification.memo import ProofMemo
from tests.openbadges.verification.conftest import ISSUER, NOW, STATUS_URL, Issuer
from tests.openbadges.verification.test_pipeline import failed, statuses


async def test_a_remembered_list_still_reads_its_bits_and_dates(issuer: Issuer) -> None:
    memo = ProofMemo()
    credential = issuer.sign(issuer.credential())
    first = await verify(credential, resolver=issuer.resolver(), now=NOW, status_list_proofs=memo)
    issuer.status.set(42)  # revoked, and the list signed again: another document
    issuer.publish_status()

    second = await verify(credential, resolver=issuer.resolver(), now=NOW, status_list_proofs=memo)

    assert first.verified, first.to_json()
    assert len(memo) == 2  # the list before and after: each checked once
    assert failed(second) == {"status"}
    assert [c.message for c in second.checks if c.code == "status"] == ["revoked"]


async def test_a_list_changed_after_signing_fails_though_its_first_form_was_remembered(
    issuer: Issuer,
) -> None:
    memo = ProofMemo()
    credential = issuer.sign(issuer.credential())
    assert (
        await verify(credential, resolver=issuer.resolver(), now=NOW, status_list_proofs=memo)
    ).verified
    issuer.status.set(42)  # changed, not signed again: the proof no longer covers it
    issuer.documents[STATUS_URL]["credentialSubject"]["encodedList"] = issuer.status.encode()

    result = await verify(credential, resolver=issuer.resolver(), now=NOW, status_list_proofs=memo)

    assert failed(result) == {"status"}
    assert "does not verify" in next(c.message for c in result.checks if c.code == "status")


async def test_the_credential_s_own_proof_is_never_remembered(issuer: Issuer) -> None:
    memo = ProofMemo()
    credential = issuer.sign(issuer.credential())
    assert (
        await verify(credential, resolver=issuer.resolver(), now=NOW, status_list_proofs=memo)
    ).verified
    credential["name"] = "Autre nom"  # the credential, not its list, is tampered with

    result = await verify(credential, resolver=issuer.resolver(), now=NOW, status_list_proofs=memo)

    assert statuses(result)["proof"] == ["failed"]
    assert len(memo) == 1  # the list's proof only


async def test_a_remembered_credential_proof_still_reads_its_status(issuer: Issuer) -> None:
    lists, proofs = ProofMemo(), ProofMemo()
    credential = issuer.sign(issuer.credential())

    def check() -> Any:
        return verify(
            credential,
            resolver=issuer.resolver(),
            now=NOW,
            status_list_proofs=lists,
            credential_proofs=proofs,
        )

    first = await check()
    again = await check()
    issuer.status.set(42)
    issuer.publish_status()
    revoked = await check()

    assert first.verified, first.to_json()
    assert again.verified
    assert again.checks == first.checks
    assert len(proofs) == 1  # the credential's one proof, checked once for three verifications
    assert failed(revoked) == {"status"}
    assert revoked.credential == first.credential


async def test_a_changed_credential_is_checked_afresh_though_its_first_form_was_remembered(
    issuer: Issuer,
) -> None:
    proofs = ProofMemo()
    credential = issuer.sign(issuer.credential())
    assert (
        await verify(credential, resolver=issuer.resolver(), now=NOW, credential_proofs=proofs)
    ).verified
    credential["name"] = "Autre nom"

    result = await verify(credential, resolver=issuer.resolver(), now=NOW, credential_proofs=proofs)

    assert statuses(result)["proof"] == ["failed"]
    assert len(proofs) == 1


async def test_a_remembered_proof_by_a_key_the_issuer_dropped_fails(issuer: Issuer) -> None:
    proofs = ProofMemo()
    credential = issuer.sign(issuer.credential())
    assert (
        await verify(credential, resolver=issuer.resolver(), now=NOW, credential_proofs=proofs)
    ).verified
    other = generate_key_pair(controller=ISSUER, vm_id=f"{ISSUER}#key-1")  # same id, new key
    issuer.documents[ISSUER] = controller_document(ISSUER, [other.verification_method()])

    result = await verify(credential, resolver=issuer.resolver(), now=NOW, credential_proofs=proofs)

    assert statuses(result)["proof"] == ["failed"]


async def test_a_vc_jwt_is_checked_once_per_exact_token_and_a_forged_one_afresh(
    issuer: Issuer,
) -> None:
    proofs = ProofMemo()
    token = sign_jwt(issuer.credential(), issuer.key)
    first = await verify(token, resolver=issuer.resolver(), now=NOW, credential_proofs=proofs)
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload}.{signature[:-4]}AAAA"

    result = await verify(forged, resolver=issuer.resolver(), now=NOW, credential_proofs=proofs)
    again = await verify(token, resolver=issuer.resolver(), now=NOW, credential_proofs=proofs)

    assert first.verified, first.to_json()
    assert len(proofs) == 2  # the JWS (token and key) and the payload's canonical form
    assert statuses(result)["proof"] == ["failed"]
    assert again.checks == first.checks


async def test_a_remembered_vc_jwt_by_a_key_the_issuer_dropped_fails(issuer: Issuer) -> None:
    proofs = ProofMemo()
    token = sign_jwt(issuer.credential(), issuer.key)
    assert (
        await verify(token, resolver=issuer.resolver(), now=NOW, credential_proofs=proofs)
    ).verified
    other = generate_key_pair(controller=ISSUER, vm_id=issuer.key.id)  # same kid, new key
    issuer.documents[ISSUER] = controller_document(ISSUER, [other.verification_method()])

    result = await verify(token, resolver=issuer.resolver(), now=NOW, credential_proofs=proofs)

    assert statuses(result)["proof"] == ["failed"]


async def test_a_caller_changing_a_report_does_not_change_the_remembered_badge(
    issuer: Issuer,
) -> None:
    proofs = ProofMemo()
    credential = issuer.sign(issuer.credential())
    first = await verify(credential, resolver=issuer.resolver(), now=NOW, credential_proofs=proofs)
    second = await verify(credential, resolver=issuer.resolver(), now=NOW, credential_proofs=proofs)
    assert first.credential is not None
    assert second.credential is not None
    first.credential["validUntil"] = "2020-01-01T00:00:00Z"  # callers may keep and change it
    second.credential["issuer"] = "https://ailleurs.example"

    third = await verify(credential, resolver=issuer.resolver(), now=NOW, credential_proofs=proofs)

    assert third.verified, third.to_json()
    assert third.checks == second.checks
    assert third.credential == {**second.credential, "issuer": credential["issuer"]}
