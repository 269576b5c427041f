"""A status list's signature is checked once per exact list: a changed list is checked again."""

from openbadges.verification import verify
from openbadges.verification.memo import ProofMemo
from tests.openbadges.verification.conftest import NOW, STATUS_URL, Issuer
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
