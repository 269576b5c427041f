import hashlib
import json
import re
from pathlib import Path

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openbadges.errors import InvalidDocument
from openbadges.identity import hash_identity, matches_identity
from openbadges.jsontypes import JSONObject

EMAIL = "Marie.Tremblay@CSSDM.gouv.qc.ca"


def identity_schema(shared: Path) -> jsonschema_rs.Draft201909Validator:
    path = shared / "ob-examples" / "ob_v3p0_achievementcredential_schema.json"
    schema = json.loads(path.read_text("utf-8"))
    return jsonschema_rs.Draft201909Validator(
        {"$ref": "#/$defs/IdentityObject", "$defs": schema["$defs"]}
    )


def test_hash_identity_matches_the_spec_example() -> None:
    # OB 3.0 IdentityHash: 'a@example.com' salted with 'Kosher'.
    assert hash_identity("a@example.com", salt="Kosher") == {
        "type": "IdentityObject",
        "identityHash": "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": "Kosher",
    }


def test_hash_identity_trims_and_lowercases_the_address() -> None:
    identity = hash_identity(f"  {EMAIL}\n", salt="sel de Guérande")

    expected = hashlib.sha256("marie.tremblay@cssdm.gouv.qc.casel de Guérande".encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}"


def test_hash_identity_does_not_normalise_other_identifier_types() -> None:
    identity = hash_identity(" Marie ", salt="s", identity_type="name")

    assert identity["identityHash"] == "sha256$" + hashlib.sha256(b" Marie s").hexdigest()


def test_hash_identity_draws_a_fresh_salt_each_call() -> None:
    first = hash_identity(EMAIL)
    second = hash_identity(EMAIL)

    assert first["salt"] != second["salt"]
    assert first["identityHash"] != second["identityHash"]
    assert re.fullmatch(r"[0-9a-f]{32}", first["salt"])
    assert matches_identity(first, EMAIL)
    assert matches_identity(second, EMAIL)


def test_hashed_identity_validates_against_ob_schema(shared: Path) -> None:
    validator = identity_schema(shared)

    assert validator.is_valid(hash_identity(EMAIL))
    assert validator.is_valid(hash_identity("12345", identity_type="ext:memberNumber"))


@pytest.mark.parametrize("identity_type", ["email", "ext:", "EmailAddress"])
def test_hash_identity_rejects_unknown_identity_type(identity_type: str) -> None:
    with pytest.raises(ValueError, match="IdentifierTypeEnum"):
        hash_identity(EMAIL, identity_type=identity_type)


def test_hash_identity_rejects_blank_identifier() -> None:
    with pytest.raises(ValueError, match="blank"):
        hash_identity("   ")


@pytest.mark.parametrize(
    "known",
    [EMAIL, "Marie.Tremblay@cssdm.gouv.qc.ca", f" {EMAIL} "],
)
def test_matches_identity_accepts_the_same_address(known: str) -> None:
    assert matches_identity(hash_identity(EMAIL), known)


@pytest.mark.parametrize(
    "known",
    ["jean.roy@cssdm.gouv.qc.ca", "Marie.Tremblay@cssdm.qc.ca", "marie.tremblay@cssdm.gouv.qc"],
)
def test_matches_identity_rejects_another_address(known: str) -> None:
    assert not matches_identity(hash_identity(EMAIL), known)


@pytest.mark.parametrize(
    "known",
    [
        "marie.tremblay@cssdm.gouv.qc.ca",
        "MARIE.TREMBLAY@CSSDM.GOUV.QC.CA",
        " Marie.Tremblay@Cssdm.Gouv.Qc.Ca ",
    ],
)
def test_matches_identity_ignores_letter_case(known: str) -> None:
    # Hashed and plaintext alike: the common providers treat the local part case-insensitively.
    plain = {
        "type": "IdentityObject",
        "identityHash": EMAIL,
        "identityType": "emailAddress",
        "hashed": False,
    }

    assert matches_identity(hash_identity(EMAIL), known)
    assert matches_identity(plain, known)


def test_matches_identity_accepts_a_hash_with_only_the_domain_folded() -> None:
    # What this library hashed before it folded the local part too.
    digest = hashlib.sha256(b"Marie.Tremblay@cssdm.gouv.qc.caSALT").hexdigest()
    identity = {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": "SALT",
    }

    assert matches_identity(identity, "Marie.Tremblay@CSSDM.gouv.qc.ca")


def test_matches_identity_accepts_a_hash_of_the_address_as_typed() -> None:
    # An issuer that does not normalise hashes "A@Example.COM" as it is.
    digest = hashlib.sha256(b"A@Example.COMpepper").hexdigest()
    identity = {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": "pepper",
    }

    assert matches_identity(identity, "A@Example.COM")


def test_matches_identity_reads_md5_in_upper_case_hex_without_salt() -> None:
    digest = hashlib.md5(b"jjefferson18@example.com", usedforsecurity=False).hexdigest()
    identity = {
        "type": "IdentityObject",
        "identityHash": f"md5${digest.upper()}",
        "identityType": "emailAddress",
        "hashed": True,
    }

    assert matches_identity(identity, "jjefferson18@example.com")
    assert not matches_identity(identity, "jjefferson19@example.com")


def test_matches_identity_reads_the_implementation_guide_example() -> None:
    # OB 3.0 Implementation Guide: SHA-256 of "jjefferson18@example.comFleurDeSel".
    identity = {
        "type": "IdentityObject",
        "identityHash": "sha256$658625b25ab3d75d613ca97d9a5a77f70e2192feca5557f4ad09a4d4f121f5fc",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": "FleurDeSel",
    }

    assert matches_identity(identity, "jjefferson18@example.com")


def full_example_identifiers(shared: Path) -> list[JSONObject]:
    document = json.loads((shared / "ob-examples" / "full_ex.json").read_text("utf-8"))
    identifiers: list[JSONObject] = document["credentialSubject"]["identifier"]
    return identifiers


def test_matches_identity_compares_plaintext_identity(shared: Path) -> None:
    student, other = full_example_identifiers(shared)

    assert matches_identity(student, "student@1EdTech.edu")
    assert matches_identity(student, "Student@1edtech.edu")
    assert not matches_identity(student, "student@1edtech.org")
    assert not matches_identity(other, "student@1edtech.edu")


def test_matches_identity_skips_another_identity_type() -> None:
    identity = hash_identity("Marie Tremblay", identity_type="name")

    assert matches_identity(identity, "Marie Tremblay", identity_type="name")
    assert not matches_identity(identity, "Marie Tremblay", identity_type="emailAddress")


@pytest.mark.parametrize(
    "identity",
    [
        {
            "type": "IdentityObject",
            "identityHash": "sha1$00",
            "identityType": "name",
            "hashed": True,
        },
        {"type": "IdentityObject", "identityHash": "abc", "identityType": "name", "hashed": True},
        {"type": "IdentityObject", "identityHash": "x", "identityType": "name"},
        {"type": "Identity", "identityHash": "x", "identityType": "name", "hashed": False},
    ],
)
def test_matches_identity_rejects_malformed_identity(identity: JSONObject) -> None:
    with pytest.raises(InvalidDocument):
        matches_identity(identity, "x")


@settings(max_examples=50, deadline=None)
@given(identifier=st.text(min_size=1).filter(str.strip), salt=st.text())
def test_hash_then_match_holds_for_any_utf8_identifier(identifier: str, salt: str) -> None:
    identity = hash_identity(identifier, salt=salt, identity_type="name")

    assert matches_identity(identity, identifier)
    assert not matches_identity(identity, identifier + "x")


@settings(max_examples=50, deadline=None)
@given(st.emails())
def test_hash_then_match_holds_for_any_email(address: str) -> None:
    assert matches_identity(hash_identity(address), address)
    assert matches_identity(hash_identity(address.upper()), address.upper())
