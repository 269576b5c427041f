import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openbadges.errors import InvalidDocument
from openbadges.identity import hash_identity
from openbadges.jsontypes import JSONObject, dumps, loads
from openbadges.models import (
    OB_CONTEXT,
    OB_EXTENSIONS_CONTEXT,
    Achievement,
    AchievementSubject,
    Alignment,
    CredentialSchema,
    CredentialStatus,
    Criteria,
    Evidence,
    IdentityObject,
    Image,
    OpenBadgeCredential,
    Profile,
    compute_digest_sri,
    format_datetime,
    from_document,
    parse_datetime,
    to_document,
)

CRCN = "Cadre de référence de la compétence numérique"
CRCN_URL = "https://www.education.gouv.qc.ca/fileadmin/site_web/documents/ministere/Cadre-reference-competence-num.pdf"
# Hypothesis takes naive bounds and attaches the zone itself.
EARLIEST = datetime(1000, 1, 2)  # noqa: DTZ001
LATEST = datetime(9999, 12, 30)  # noqa: DTZ001
REFLECTIONS = (
    "## Ce que je retiens\n« Le leadership pédagonumérique » se vit en équipe ; "
    "les compétences du 21^e siècle exigent qu'on ose innover."
)


def load(shared: Path, name: str) -> JSONObject:
    document: JSONObject = json.loads((shared / "ob-examples" / name).read_text("utf-8"))
    return document


def crcn_alignment(code: str, name: str) -> Alignment:
    return Alignment(
        target_name=name,
        target_url=f"{CRCN_URL}#dimension-{code}",
        target_code=code,
        target_framework=CRCN,
        target_type="ext:CRCNDimension",
    )


def build_issuer() -> Profile:
    return Profile(
        id="https://insigne.example/organisations/recit",
        name="Réseau pour le développement des compétences par l'intégration des technologies",
        url="https://recit.qc.ca",
        email="info@recit.qc.ca",
        image=Image(id="https://insigne.example/organisations/recit/logo.png", caption="Logo"),
    )


def build_achievement() -> Achievement:
    return Achievement(
        id="https://insigne.example/achievements/leadership-explorateur",
        name="Leadership pédagonumérique — niveau Explorateur",
        description="Reconnaît l'exploration du leadership pédagonumérique à l'école.",
        criteria=Criteria(narrative="Terminer la formation et répondre aux trois questions."),
        achievement_type="Badge",
        in_language="fr-CA",
        alignment=(
            crcn_alignment("1", "Agir en citoyen éthique à l'ère du numérique"),
            crcn_alignment("5", "Collaborer à l'aide du numérique"),
            crcn_alignment("12", "Innover et faire preuve de créativité avec le numérique"),
        ),
    )


def build_credential() -> OpenBadgeCredential:
    recipient = from_document(hash_identity("marie.tremblay@cssdm.gouv.qc.ca"), IdentityObject)
    achievement = build_achievement()
    return OpenBadgeCredential(
        id="urn:uuid:6c1f2a5e-4b8e-4d1c-9a51-0f3b2f7d9e10",
        name=achievement.name,
        issuer=build_issuer(),
        valid_from=format_datetime(
            datetime(2026, 11, 21, 11, 42, 7, 123, tzinfo=timezone(-timedelta(hours=5)))
        ),
        credential_subject=AchievementSubject(identifier=(recipient,), achievement=achievement),
        evidence=(
            Evidence(
                id="https://insigne.example/evidence/6c1f2a5e",
                name="Preuve et attestation de développement professionnel",
                narrative=REFLECTIONS,
                media_type="text/html",
                digest_sri=compute_digest_sri(REFLECTIONS.encode()),
            ),
        ),
        credential_status=CredentialStatus(
            id="https://insigne.example/status/1#42",
            type="BitstringStatusListEntry",
            status_purpose="revocation",
            status_list_index="42",
            status_list_credential="https://insigne.example/status/1",
        ),
        credential_schema=(
            CredentialSchema(
                id="https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
                type="1EdTechJsonSchemaValidator2019",
            ),
        ),
    )


def schema_errors(shared: Path, document: JSONObject) -> list[str]:
    schema = load(shared, "ob_v3p0_achievementcredential_schema.json")
    validator = jsonschema_rs.Draft201909Validator(schema, validate_formats=True)
    return [f"{error.instance_path}: {error.message}" for error in validator.iter_errors(document)]


def test_built_credential_validates_against_ob_schema(shared: Path) -> None:
    document = to_document(build_credential())

    assert schema_errors(shared, document) == []
    assert document["validFrom"] == "2026-11-21T16:42:07Z"
    assert document["credentialSubject"]["achievement"]["alignment"][2]["targetName"] == (
        "Innover et faire preuve de créativité avec le numérique"
    )
    assert document["evidence"][0]["digestSRI"] == compute_digest_sri(REFLECTIONS.encode())


def test_extensions_context_is_added_only_for_an_extension_type() -> None:
    credential = build_credential()  # its credentialSchema is a 1EdTechJsonSchemaValidator2019
    plain = OpenBadgeCredential(
        id=credential.id,
        issuer="https://insigne.example/organisations/recit",
        valid_from=credential.valid_from,
        credential_subject=credential.credential_subject,
    )

    assert to_document(credential)["@context"] == [*OB_CONTEXT, OB_EXTENSIONS_CONTEXT]
    assert to_document(plain)["@context"] == OB_CONTEXT
    assert next(iter(to_document(plain))) == "@context"


def test_type_is_a_string_for_image_and_identity_object_and_an_array_elsewhere() -> None:
    document = to_document(build_credential())
    subject = document["credentialSubject"]

    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["issuer"]["type"] == ["Profile"]
    assert document["issuer"]["image"]["type"] == "Image"
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"][0]["type"] == "IdentityObject"
    assert subject["achievement"]["type"] == ["Achievement"]
    assert subject["achievement"]["alignment"][0]["type"] == ["Alignment"]
    assert document["evidence"][0]["type"] == ["Evidence"]


def test_serialisation_omits_nulls_and_empty_arrays() -> None:
    achievement = Achievement(
        id="urn:uuid:1", name="Badge", description="", criteria=Criteria(narrative="Faire.")
    )

    assert to_document(achievement) == {
        "id": "urn:uuid:1",
        "type": ["Achievement"],
        "name": "Badge",
        "description": "",
        "criteria": {"narrative": "Faire."},
    }


def test_full_example_decodes_into_typed_view(shared: Path) -> None:
    view = from_document(load(shared, "full_ex.json"), OpenBadgeCredential)
    subject = view.credential_subject
    achievement = subject.achievement

    assert isinstance(view.issuer, Profile)
    assert view.issuer.name == "1EdTech University"
    assert view.issuer.address is not None
    assert view.issuer.address.geo is not None
    assert view.issuer.address.geo.latitude == 1.0
    assert view.valid_until == "2030-01-01T00:00:00Z"
    assert subject.credits_earned == 42.0
    assert subject.identifier[1].identity_hash == "somebody@gmail.com"
    assert [a.target_type for a in achievement.alignment] == ["CFItem", "CTDL"]
    assert achievement.result_description[1].rubric_criterion_level[0].level == "Mastered"
    assert subject.result[2].status == "Completed"
    assert achievement.tag == ("research", "computer science")
    assert [e.id for e in view.evidence][1] == "https://github.com/somebody/project"
    assert view.endorsement[0].credential_subject.endorsement_comment == (
        "1EdTech University is in good standing"
    )
    assert view.endorsement[0].proof[0].cryptosuite == "eddsa-rdf-2022"
    assert view.credential_status is not None
    assert not isinstance(view.credential_status, tuple)
    assert view.credential_status.type == "1EdTechRevocationList"
    assert view.refresh_service is not None
    assert view.refresh_service.type == "1EdTechCredentialRefresh"


def test_full_example_round_trip_only_adds_extensions_context_to_endorsements(
    shared: Path,
) -> None:
    document = load(shared, "full_ex.json")
    expected = copy.deepcopy(document)
    achievement = expected["credentialSubject"]["achievement"]
    for endorsement in [
        *expected["endorsement"],
        *expected["issuer"]["endorsement"],
        *achievement["endorsement"],
        *achievement["creator"]["endorsement"],
    ]:
        # They use 1EdTechRevocationList without the context that defines it.
        endorsement["@context"].append(OB_EXTENSIONS_CONTEXT)

    assert to_document(from_document(document, OpenBadgeCredential)) == expected


def test_minimal_example_decodes_and_round_trips_exactly(shared: Path) -> None:
    document = load(shared, "minimal_valid_obv3.json")

    view = from_document(document, OpenBadgeCredential)

    assert isinstance(view.issuer, Profile)
    assert view.issuer.name == " SURF - Team edubadges"
    assert view.valid_from == "2014-06-01T00:00:00Z"
    assert view.credential_subject.id == "did:example:ebfeb1f712ebc6f1c276e12ec21"
    assert view.credential_subject.achievement.name == "Lorem ipsum"
    assert view.credential_subject.achievement.criteria.narrative is not None
    assert to_document(view) == document


def compacted_credential() -> JSONObject:
    return {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "id": "urn:uuid:2",
        "type": ["VerifiableCredential", "AchievementCredential"],
        "issuer": {"id": "did:ex:i", "type": "Profile", "image": "https://i.example/a.png"},
        "issuanceDate": "2022-11-04T22:20:25.682Z",
        "credentialSubject": {
            "type": "AchievementSubject",
            "name": "Not in OB 3.0",
            "achievement": [
                {
                    "id": "urn:uuid:3",
                    "type": "Achievement",
                    "name": "N",
                    "description": "D",
                    "criteria": {"narrative": "C"},
                    "tag": "seul",
                    "alignment": {"type": "Alignment", "targetName": "T", "targetUrl": "u:t"},
                }
            ],
        },
        "credentialSchema": {"id": "https://s.example/schema.json", "type": "JsonSchema"},
        "credentialStatus": {"id": "s:1", "type": "BitstringStatusListEntry", "statusListIndex": 3},
        "proof": {"type": "DataIntegrityProof", "created": "2022-11-04T22:20:25Z"},
    }


def test_from_document_accepts_compacted_and_legacy_forms_without_changing_them() -> None:
    document = compacted_credential()
    before = copy.deepcopy(document)

    view = from_document(document, OpenBadgeCredential)
    achievement = view.credential_subject.achievement

    assert view.context == ("https://www.w3.org/ns/credentials/v2",)
    assert isinstance(view.issuer, Profile)
    assert view.issuer.type == ("Profile",)
    assert view.issuer.image == Image(id="https://i.example/a.png")
    assert view.valid_from == "2022-11-04T22:20:25.682Z"
    assert achievement.tag == ("seul",)
    assert achievement.alignment[0].target_name == "T"
    assert view.credential_schema[0].type == "JsonSchema"
    assert view.credential_status is not None
    assert not isinstance(view.credential_status, tuple)
    assert view.credential_status.status_list_index == "3"
    assert view.proof[0].type == "DataIntegrityProof"
    assert document == before


def invalid(change: dict[str, Any]) -> JSONObject:
    document = to_document(build_credential())
    document.update(change)
    return {key: value for key, value in document.items() if value is not None}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"issuer": None}, "missing required field `issuer`"),
        ({"name": {"fr": "Badge"}}, "`$.name`"),
        ({"validFrom": "2026-11-21"}, "validFrom '2026-11-21' is not a date-time"),
        ({"validFrom": "2026-11-21T16:42:00"}, "is not a date-time"),
        ({"awardedDate": "2026-11-21T16:42:00"}, "awardedDate '2026-11-21T16:42:00' is not a"),
        ({"validFrom": "2026-02-30T16:42:00Z"}, "is not a valid date-time"),
        ({"validUntil": "2020-01-01T00:00:00Z"}, "validUntil '2020-01-01T00:00:00Z' is before"),
        ({"type": ["VerifiableCredential"]}, "must include 'OpenBadgeCredential'"),
        ({"relatedResource": [{"id": "https://r.example"}]}, "needs digestSRI or digestMultibase"),
    ],
)
def test_from_document_rejects_invalid_members(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidDocument, match="not a valid OpenBadgeCredential") as caught:
        from_document(invalid(change), OpenBadgeCredential)

    assert message in str(caught.value)


def test_from_document_rejects_a_non_object() -> None:
    with pytest.raises(InvalidDocument, match="must be a JSON object"):
        from_document([], OpenBadgeCredential)  # type: ignore[arg-type]


def test_bad_date_in_constructor_raises_invalid_document() -> None:
    with pytest.raises(InvalidDocument, match="validFrom"):
        OpenBadgeCredential(
            id="urn:uuid:4",
            issuer="did:example:issuer",
            valid_from="yesterday",
            credential_subject=build_credential().credential_subject,
        )


def test_format_datetime_gives_utc_to_the_second() -> None:
    eastern, paris = timezone(timedelta(hours=-5)), timezone(timedelta(hours=1))

    assert (
        format_datetime(datetime(2026, 11, 21, 11, 42, 59, 9999, eastern)) == "2026-11-21T16:42:59Z"
    )
    assert format_datetime(datetime(2027, 1, 1, 0, 30, tzinfo=paris)) == "2026-12-31T23:30:00Z"


def test_format_datetime_rejects_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        format_datetime(datetime(2026, 11, 21, 16, 42))  # noqa: DTZ001 - the point of the test


@settings(max_examples=50, deadline=None)
@given(st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.just(UTC)))
def test_format_then_parse_datetime_keeps_the_instant_to_the_second(value: datetime) -> None:
    assert parse_datetime(format_datetime(value)) == value.replace(microsecond=0)


def test_compute_digest_sri_matches_the_sri_spec_example() -> None:
    # W3C Subresource Integrity, §3.2 example.
    assert compute_digest_sri(b"alert('Hello, world.');") == (
        "sha384-H8BRh8j48O9oYatfu5AZzq6A9RINhZO5H16dQZngK7T62em8MUt1FLm52t+eX6xO"
    )


def test_compute_digest_sri_rejects_weak_algorithm() -> None:
    with pytest.raises(ValueError, match="SRI algorithm"):
        compute_digest_sri(b"", "md5")


def test_wild_open_badges_with_an_achievement_decode(shared: Path) -> None:
    documents = [json.loads(p.read_text("utf-8")) for p in (shared / "wild-corpus").glob("*.json")]
    badges = [
        d
        for d in documents
        if "OpenBadgeCredential" in d.get("type", ())
        and "achievement" in d.get("credentialSubject", {})
    ]

    assert len(badges) > 20
    for document in badges:
        assert from_document(document, OpenBadgeCredential).id == document["id"]


texts = st.text(max_size=30)
urls = st.from_regex(r"https://[a-z]{1,10}\.example/[a-z0-9]{0,10}", fullmatch=True)
instants = st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.just(UTC))
alignments = st.builds(
    Alignment,
    target_name=texts,
    target_url=urls,
    target_code=st.none() | texts,
    target_framework=st.none() | texts,
)
profiles = st.builds(
    Profile,
    id=urls,
    name=st.none() | texts,
    image=st.none() | st.builds(Image, id=urls, caption=texts),
)
evidence = st.builds(
    Evidence, id=st.none() | urls, name=st.none() | texts, narrative=st.none() | texts
)


@st.composite
def credentials(draw: st.DrawFn) -> OpenBadgeCredential:
    start = draw(instants)
    achievement = Achievement(
        id=draw(urls),
        name=draw(texts),
        description=draw(texts),
        criteria=Criteria(narrative=draw(st.none() | texts)),
        alignment=tuple(draw(st.lists(alignments, max_size=3))),
        tag=tuple(draw(st.lists(texts, max_size=3))),
        credits_available=draw(st.none() | st.floats(allow_nan=False, allow_infinity=False)),
        creator=draw(st.none() | profiles),
    )
    identity = IdentityObject(identity_hash=draw(texts), identity_type="emailAddress", hashed=False)
    return OpenBadgeCredential(
        id=draw(urls),
        name=draw(st.none() | texts),
        issuer=draw(urls | profiles),
        valid_from=format_datetime(start),
        valid_until=draw(st.none() | st.just(format_datetime(start + timedelta(days=1)))),
        credential_subject=AchievementSubject(
            id=draw(st.none() | urls),
            identifier=tuple(draw(st.lists(st.just(identity), max_size=1))),
            achievement=achievement,
        ),
        evidence=tuple(draw(st.lists(evidence, max_size=2))),
    )


@settings(max_examples=50, deadline=None)
@given(credentials())
def test_model_document_model_round_trip_is_identity(credential: OpenBadgeCredential) -> None:
    document = loads(dumps(to_document(credential)))

    assert from_document(document, OpenBadgeCredential) == credential
