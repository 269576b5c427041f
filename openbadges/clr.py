"""CLR 2.0 ``ClrCredential``: a learner's signed credentials gathered in one signed record.

https://www.imsglobal.org/spec/clr/v2p0/#clrcredential. The record's ``credentialSubject`` (a
``ClrSubject``) holds the credentials themselves in ``verifiableCredential``, each with its own
proof, and lists their achievements in ``achievement``. A held credential must stay exactly as
its issuer signed it: `build_clr` parses each one from its signed text for the record's own
proof (which covers the RDF of the whole), and `serialise_clr` writes the record back with each
held credential's original bytes spliced in, so a reader extracting one gets the issuer's text.
"""

from collections.abc import Sequence

from openbadges.jsontypes import JSONObject, dumps, loads

__all__ = [
    "CLR_CONTEXT",
    "CLR_CONTEXTS",
    "CLR_SCHEMA",
    "build_clr",
    "serialise_clr",
]

CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
CLR_CONTEXTS = (
    "https://www.w3.org/ns/credentials/v2",
    CLR_CONTEXT,
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
)
"""VC 2.0, CLR 2.0.1 and OB 3.0.3, in the order of 1EdTech's CLR 2.0 examples."""
CLR_SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}
_HOLE = '"verifiableCredential":[]'


def build_clr(
    *,
    record_id: str,
    issuer: JSONObject,
    name: str,
    valid_from: str,
    held: Sequence[bytes],
    identifier: Sequence[JSONObject] = (),
    description: str | None = None,
    partial: bool = False,
) -> JSONObject:
    """The unsigned ClrCredential holding `held` (signed credentials, as their issuers' text).

    Its ``achievement`` list gives each held credential's achievement once (by id), in order.

    Args:
        record_id: the record's ``id`` (a URL or URN).
        issuer: the record's issuer Profile (who assembled the record and signs it).
        name: the record's name.
        valid_from: an XML Schema dateTime.
        held: the signed credentials' JSON texts, each kept byte for byte by `serialise_clr`.
        identifier: the learner's IdentityObjects (``ClrSubject.identifier``).
        description: the record's description.
        partial: CLR 2.0 ``partial``: the record holds part of the learner's achievements.

    Raises:
        ValueError: nothing is held (a ClrSubject holds one credential at least), or a held
            text is not a JSON object.
    """
    if not held:
        raise ValueError("a ClrCredential holds one credential at least")
    credentials = [loads(text) for text in held]
    if not all(isinstance(credential, dict) for credential in credentials):
        raise ValueError("each held credential must be a JSON object")
    achievements: dict[str, JSONObject] = {}
    for credential in credentials:
        held_subject = credential.get("credentialSubject")
        achievement = held_subject.get("achievement") if isinstance(held_subject, dict) else None
        if isinstance(achievement, dict) and isinstance(achievement.get("id"), str):
            achievements.setdefault(achievement["id"], _listed(achievement))
    subject: JSONObject = {"type": ["ClrSubject"]}
    if identifier:
        subject["identifier"] = list(identifier)
    subject["achievement"] = list(achievements.values())
    subject["verifiableCredential"] = credentials
    record: JSONObject = {
        "@context": list(CLR_CONTEXTS),
        "id": record_id,
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": issuer,
        "name": name,
    }
    if description is not None:
        record["description"] = description
    if partial:
        record["partial"] = True
    record["validFrom"] = valid_from
    record["credentialSubject"] = subject
    # No ``credentialSchema``: its type ``1EdTechJsonSchemaValidator2019`` is a term of OB 3.0's
    # OpenBadgeCredential-scoped context only, so in a ClrCredential it is a relative IRI, which
    # jsonld.js's safe mode (vc-js) refuses. `CLR_SCHEMA` names the schema for those who check.
    return record


def _listed(achievement: JSONObject) -> JSONObject:
    """An achievement as the record lists it, with no node its held credential repeats.

    The held credentials sit in the record's own graph (CLR 2.0.1 does not make them named
    graphs), so an object without ``id`` listed both here and in a credential would be two
    blank nodes alike, which makes RDFC-1.0 canonicalisation costly (§4.8) and large records
    unsignable within the guard. The criteria are named by an id of their own (the
    achievement's with ``#criteria``), and alignments are left to the credentials.
    """
    listed = {name: value for name, value in achievement.items() if name != "alignment"}
    criteria = listed.get("criteria")
    if isinstance(criteria, dict) and "id" not in criteria:
        listed["criteria"] = {"id": f"{achievement['id']}#criteria", **criteria}
    return listed


def serialise_clr(signed: JSONObject, held: Sequence[bytes]) -> bytes:
    """The signed record as compact UTF-8 JSON, each held credential written as `held` gives it.

    `signed` is `build_clr`'s record with its proof added; `held` the same texts, in the same
    order. The result parses to `signed` (checked): only the held texts' bytes are kept.

    Raises:
        ValueError: `signed` does not hold `held` (another record, or another order).
    """
    subject = signed["credentialSubject"]
    if not isinstance(subject, dict):
        raise ValueError("the record has no credentialSubject object")
    text = dumps({**signed, "credentialSubject": {**subject, "verifiableCredential": []}})
    if text.count(_HOLE.encode()) != 1:
        raise ValueError("the record's verifiableCredential cannot be placed")
    spliced = text.replace(_HOLE.encode(), b'"verifiableCredential":[' + b",".join(held) + b"]", 1)
    if loads(spliced) != signed:
        raise ValueError("the held texts are not the record's credentials")
    return spliced
