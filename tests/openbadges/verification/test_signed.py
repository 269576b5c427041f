"""The checks read what the proof covers, however the JSON spells it."""

import asyncio
import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openbadges.identity import hash_identity
from openbadges.keys import generate_key_pair
from openbadges.verification import VerificationResult, verify
from openbadges.verification.wording import explain
from tests.openbadges.verification.conftest import ISSUER, NOW, STATUS_URL, Issuer

VC = "https://www.w3.org/2018/credentials#"
STATUS = "https://www.w3.org/ns/credentials/status#"
OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
DATE_TIME = "http://www.w3.org/2001/XMLSchema#dateTime"

Rewrite = Callable[[dict[str, Any]], None]


def failed(result: VerificationResult) -> set[str]:
    return {check.code for check in result.checks if check.status == "failed"}


def rename(document: dict[str, Any], name: str, new_name: str, value: Any = None) -> None:
    document[new_name] = document.pop(name) if value is None else value
    document.pop(name, None)


def date_rewrites(name: str) -> dict[str, Rewrite]:
    """RDF-preserving spellings of a validity date."""

    def full_iri(document: dict[str, Any]) -> None:
        value = {"@value": document.pop(name), "@type": DATE_TIME}
        document[VC + name] = value

    def value_object(document: dict[str, Any]) -> None:
        document[name] = {"@value": document[name], "@type": DATE_TIME}

    def in_array(document: dict[str, Any]) -> None:
        document[name] = [document[name]]

    def full_iri_in_array(document: dict[str, Any]) -> None:
        document[VC + name] = [{"@value": document.pop(name), "@type": DATE_TIME}]

    def alias(document: dict[str, Any]) -> None:
        document["@context"] = [
            *document["@context"],
            {f"{name}Alias": {"@id": VC + name, "@type": DATE_TIME}},
        ]
        document[f"{name}Alias"] = document.pop(name)

    return {
        "full-iri": full_iri,
        "value-object": value_object,
        "array": in_array,
        "full-iri-array": full_iri_in_array,
        "alias": alias,
    }


def status_rewrites() -> dict[str, Rewrite]:
    """RDF-preserving spellings of credentialStatus."""

    def full_iri(document: dict[str, Any]) -> None:
        document[VC + "credentialStatus"] = document.pop("credentialStatus")

    def expanded_entry(document: dict[str, Any]) -> None:
        entry = document.pop("credentialStatus")
        document[VC + "credentialStatus"] = {
            "@id": entry["id"],
            "@type": STATUS + entry["type"],
            STATUS + "statusPurpose": entry["statusPurpose"],
            STATUS + "statusListIndex": {"@value": entry["statusListIndex"]},
            STATUS + "statusListCredential": {"@id": entry["statusListCredential"]},
        }

    def in_array(document: dict[str, Any]) -> None:
        document["credentialStatus"] = [document["credentialStatus"]]

    def alias(document: dict[str, Any]) -> None:
        document["@context"] = [
            *document["@context"],
            {"statut": {"@id": VC + "credentialStatus", "@type": "@id"}},
        ]
        document["statut"] = document.pop("credentialStatus")

    return {
        "full-iri": full_iri,
        "expanded-entry": expanded_entry,
        "array": in_array,
        "alias": alias,
    }


async def test_rewritings_keep_the_signature(issuer: Issuer) -> None:
    signed = issuer.sign(issuer.credential(validUntil="2027-12-31T23:59:59Z"))
    rewrites = [*date_rewrites("validUntil").values(), *status_rewrites().values()]
    for rewrite in rewrites:
        rewritten = copy.deepcopy(signed)
        rewrite(rewritten)

        result = await verify(rewritten, resolver=issuer.resolver(), now=NOW)

        assert result.verified, (rewrite.__name__, result.to_json())


@pytest.mark.parametrize("spelling", sorted(date_rewrites("validUntil")))
async def test_expired_badge_re_keyed_fails_valid_until(issuer: Issuer, spelling: str) -> None:
    signed = issuer.sign(
        issuer.credential(validFrom="2026-01-01T00:00:00Z", validUntil="2026-06-30T00:00:00Z")
    )
    date_rewrites("validUntil")[spelling](signed)

    result = await verify(signed, resolver=issuer.resolver(), now=NOW)

    assert failed(result) == {"valid-until"}, result.to_json()
    (check,) = [c for c in result.checks if c.code == "valid-until"]
    assert check.message == "expired on 2026-06-30T00:00:00Z"


@pytest.mark.parametrize("spelling", sorted(date_rewrites("validFrom")))
async def test_future_badge_re_keyed_fails_valid_from(issuer: Issuer, spelling: str) -> None:
    signed = issuer.sign(issuer.credential(validFrom="2027-01-01T00:00:00Z"))
    date_rewrites("validFrom")[spelling](signed)

    result = await verify(signed, resolver=issuer.resolver(), now=NOW)

    assert "valid-from" in failed(result), result.to_json()


@pytest.mark.parametrize("spelling", sorted(status_rewrites()))
async def test_revoked_badge_re_keyed_fails_status(issuer: Issuer, spelling: str) -> None:
    issuer.status.set(42)
    issuer.publish_status()
    signed = issuer.sign(issuer.credential())
    status_rewrites()[spelling](signed)

    result = await verify(signed, resolver=issuer.resolver(), now=NOW)

    assert failed(result) == {"status"}, result.to_json()
    assert [c.message for c in result.checks if c.code == "status"] == ["revoked"]


async def test_status_list_re_keyed_is_read_as_signed(issuer: Issuer) -> None:
    issuer.status.set(42)
    issuer.publish_status()
    subject = issuer.documents[STATUS_URL]["credentialSubject"]
    encoded = {"@value": subject.pop("encodedList"), "@type": "https://w3id.org/security#multibase"}
    subject[STATUS + "encodedList"] = encoded

    result = await verify(issuer.sign(issuer.credential()), resolver=issuer.resolver(), now=NOW)

    assert [c.message for c in result.checks if c.code == "status"] == ["revoked"]


def recipient_rewrites() -> dict[str, Rewrite]:
    """RDF-preserving spellings of the recipient's identity object."""

    def full_iri(document: dict[str, Any]) -> None:
        subject = document["credentialSubject"]
        subject[OB + "identifier"] = subject.pop("identifier")

    def expanded_members(document: dict[str, Any]) -> None:
        (identity,) = document["credentialSubject"]["identifier"]
        identity["@type"] = identity.pop("type")
        identity[OB + "identityHash"] = identity.pop("identityHash")
        identity["hashed"] = {
            "@value": identity["hashed"],
            "@type": "https://www.w3.org/2001/XMLSchema#boolean",
        }

    def subject_in_array(document: dict[str, Any]) -> None:
        document["credentialSubject"] = [document["credentialSubject"]]

    return {"full-iri": full_iri, "expanded": expanded_members, "array": subject_in_array}


def issuer_rewrites() -> dict[str, Rewrite]:
    """RDF-preserving spellings of the issuer and of the credential's own id and type."""

    def keyword_id(document: dict[str, Any]) -> None:
        document["issuer"]["@id"] = document["issuer"].pop("id")

    def full_iri(document: dict[str, Any]) -> None:
        document[VC + "issuer"] = document.pop("issuer")

    def keyword_type(document: dict[str, Any]) -> None:
        document["@type"] = document.pop("type")
        document["@id"] = document.pop("id")

    return {"keyword-id": keyword_id, "full-iri": full_iri, "keyword-type": keyword_type}


@pytest.mark.parametrize("spelling", sorted(recipient_rewrites()))
async def test_recipient_re_keyed_is_matched_as_signed(issuer: Issuer, spelling: str) -> None:
    credential = issuer.credential()
    credential["credentialSubject"]["identifier"] = [hash_identity("marie@exemple.qc.ca")]
    signed = issuer.sign(credential)
    recipient_rewrites()[spelling](signed)

    right = await verify(
        signed, resolver=issuer.resolver(), now=NOW, recipient="marie@exemple.qc.ca"
    )
    wrong = await verify(signed, resolver=issuer.resolver(), now=NOW, recipient="jean@exemple.ca")

    assert right.verified, right.to_json()
    assert failed(wrong) == {"recipient"}


@pytest.mark.parametrize("spelling", sorted(issuer_rewrites()))
async def test_issuer_re_keyed_is_bound_as_signed(issuer: Issuer, spelling: str) -> None:
    signed = issuer.sign(issuer.credential())
    stranger = issuer.sign(issuer.credential(), key=generate_key_pair())
    issuer_rewrites()[spelling](signed)
    issuer_rewrites()[spelling](stranger)

    result = await verify(signed, resolver=issuer.resolver(), now=NOW)
    other = await verify(stranger, resolver=issuer.resolver(), now=NOW)

    assert result.verified, result.to_json()
    assert result.credential is not None
    assert result.credential["issuer"]["id"] == ISSUER
    assert failed(other) == {"issuer-key"}


async def test_ordinary_credential_comes_back_unchanged(issuer: Issuer) -> None:
    signed = issuer.sign(issuer.credential(validUntil="2027-12-31T23:59:59Z"))

    result = await verify(signed, resolver=issuer.resolver(), now=NOW)

    assert result.credential == signed


async def test_credential_not_at_the_top_fails(issuer: Issuer) -> None:
    signed = issuer.sign(issuer.credential())
    body = {key: value for key, value in signed.items() if key not in ("@context", "proof")}
    nested = {"@context": signed["@context"], "@graph": [body], "proof": signed["proof"]}

    result = await verify(nested, resolver=issuer.resolver(), now=NOW)

    assert not result.verified
    assert "jsonld-terms" in failed(result)


REWRITES: dict[str, Rewrite] = {
    **{f"validFrom/{name}": rewrite for name, rewrite in date_rewrites("validFrom").items()},
    **{f"validUntil/{name}": rewrite for name, rewrite in date_rewrites("validUntil").items()},
    **{f"status/{name}": rewrite for name, rewrite in status_rewrites().items()},
    **{f"recipient/{name}": rewrite for name, rewrite in recipient_rewrites().items()},
    **{f"issuer/{name}": rewrite for name, rewrite in issuer_rewrites().items()},
}


def verdict(result: VerificationResult) -> tuple[bool, list[tuple[str, str, str]]]:
    return result.verified, [(c.code, c.status, c.message) for c in result.checks]


@settings(max_examples=60, deadline=None)
@given(
    start=st.integers(min_value=-400, max_value=30),
    length=st.one_of(st.none(), st.integers(min_value=1, max_value=800)),
    is_revoked=st.booleans(),
    rewrites=st.lists(st.sampled_from(sorted(REWRITES)), unique_by=lambda name: name.split("/")[0]),
)
def test_rewriting_that_keeps_the_dataset_keeps_the_verdict(
    start: int, length: int | None, is_revoked: bool, rewrites: list[str]
) -> None:
    issuer = Issuer()
    if is_revoked:
        issuer.status.set(42)
        issuer.publish_status()
    valid_from = NOW + timedelta(days=start)
    dates = {"validFrom": valid_from.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if length is not None:
        dates["validUntil"] = (valid_from + timedelta(days=length)).strftime("%Y-%m-%dT%H:%M:%SZ")
    credential = issuer.credential(**dates)
    credential["credentialSubject"]["identifier"] = [hash_identity("marie@exemple.qc.ca")]
    original = issuer.sign(credential)
    rewritten = copy.deepcopy(original)
    for name in rewrites:
        if name.startswith("validUntil/") and length is None:
            continue
        REWRITES[name](rewritten)

    async def both() -> tuple[VerificationResult, VerificationResult]:
        options: dict[str, Any] = {"resolver": issuer.resolver(), "now": NOW}
        options["recipient"] = "marie@exemple.qc.ca"
        return await verify(original, **options), await verify(rewritten, **options)

    first, second = asyncio.run(both())
    assert verdict(second) == verdict(first), rewrites


async def test_two_signed_issuers_fail_the_issuer_key(issuer: Issuer) -> None:
    credential = issuer.credential()
    credential[VC + "issuer"] = {"@id": "https://autre.example/emetteur"}

    result = await verify(issuer.sign(credential), resolver=issuer.resolver(), now=NOW)

    assert "issuer-key" in failed(result)
    assert statuses_of(result, "proof") == ["passed"]


def statuses_of(result: VerificationResult, code: str) -> list[str]:
    return [check.status for check in result.checks if check.code == code]


async def test_an_expiry_is_told_as_a_date_in_the_readers_language(issuer: Issuer) -> None:
    signed = issuer.sign(
        issuer.credential(validFrom="2026-01-01T00:00:00Z", validUntil="2026-06-30T00:00:00Z")
    )

    result = await verify(signed, resolver=issuer.resolver(), now=NOW)

    (check,) = [c for c in result.checks if c.code == "valid-until"]
    assert explain(check, "fr") == "Le badge est expiré depuis le 30 juin 2026."
    assert explain(check, "en") == "The badge expired on June 30, 2026."
