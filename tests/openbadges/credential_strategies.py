"""Hypothesis strategies for the credential shapes Insigne issues, for differential tests.

Text is French or arbitrary Unicode (control characters, quotes, backslashes, astral
characters); optional members come and go; evidence items, alignments, identifiers and
embedded endorsements (with their own ``@context`` and a proof graph) vary in number.
"""

import os
from typing import Any

from hypothesis import strategies as st

OB_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
EXAMPLES = int(os.environ.get("DIFFERENTIAL_EXAMPLES", "40"))
"""Examples per property; `make differential` raises it for the long run."""

FRENCH = (
    "Le leadership pédagonumérique, c'est « oser » : accompagner l'équipe-école au 21e siècle.",
    "Ce que je retiens : écouter, partager, accompagner.\n- un\n- deux\tpas à pas 😀",
    'Des "guillemets" et une barre \\ oblique ; Œuvre, naïveté, ça, où, Ÿ.',
    "",
)

text = st.one_of(st.sampled_from(FRENCH), st.text(max_size=120))
segment = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._~", min_size=1, max_size=12
).filter(
    lambda value: value.strip(".") != ""  # dot segments: the compiled path leaves them alone
)
http_iri = st.builds(lambda host, path: f"https://{host}.example/{path}", segment, segment)
urn_iri = st.uuids().map(lambda value: f"urn:uuid:{value}")
did = st.builds(lambda suffix: f"did:key:z6Mk{suffix}", segment)
iri = st.one_of(http_iri, urn_iri, did)
date_time = st.datetimes(timezones=st.none()).map(
    lambda moment: moment.replace(microsecond=0).isoformat() + "Z"
)


def _optional(draw: st.DrawFn, target: dict[str, Any], name: str, strategy: Any) -> None:
    if draw(st.booleans()):
        target[name] = draw(strategy)


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "id": draw(iri),
        "type": draw(st.sampled_from(["Profile", ["Profile"]])),
    }
    _optional(draw, profile, "name", text)
    _optional(draw, profile, "url", http_iri)
    _optional(draw, profile, "email", text)
    _optional(draw, profile, "description", text)
    _optional(draw, profile, "image", st.builds(lambda i: {"id": i, "type": "Image"}, http_iri))
    return profile


@st.composite
def alignments(draw: st.DrawFn) -> dict[str, Any]:
    alignment: dict[str, Any] = {"type": ["Alignment"], "targetName": draw(text)}
    alignment["targetUrl"] = draw(http_iri)
    _optional(draw, alignment, "targetCode", text)
    _optional(draw, alignment, "targetFramework", text)
    _optional(draw, alignment, "targetType", st.sampled_from(["CFItem", "ext:Competence"]))
    _optional(draw, alignment, "targetDescription", text)
    return alignment


@st.composite
def achievements(draw: st.DrawFn, *, endorsed: bool = True) -> dict[str, Any]:
    achievement: dict[str, Any] = {
        "id": draw(http_iri),
        "type": ["Achievement"],
        "name": draw(text),
        "criteria": {"narrative": draw(text)},
    }
    _optional(draw, achievement, "achievementType", st.sampled_from(["Badge", "Competency"]))
    _optional(draw, achievement, "description", text)
    _optional(draw, achievement, "humanCode", text)
    _optional(draw, achievement, "inLanguage", st.sampled_from(["fr-CA", "en"]))
    _optional(draw, achievement, "image", st.builds(lambda i: {"id": i, "type": "Image"}, http_iri))
    _optional(draw, achievement, "alignment", st.lists(alignments(), max_size=3))
    _optional(draw, achievement, "tag", st.lists(text, max_size=3))
    _optional(draw, achievement, "creator", profiles())
    if endorsed:
        _optional(draw, achievement, "endorsement", st.lists(endorsements(), max_size=2))
    return achievement


@st.composite
def evidence(draw: st.DrawFn) -> dict[str, Any]:
    item: dict[str, Any] = {"id": draw(http_iri), "type": ["Evidence"], "name": draw(text)}
    _optional(draw, item, "genre", text)
    if draw(st.booleans()):
        item["narrative"] = draw(text)
    else:
        item["description"] = draw(text)
        item["digestSRI"] = "sha384-" + draw(segment)
    return item


@st.composite
def identifiers(draw: st.DrawFn) -> dict[str, Any]:
    hashed = draw(st.booleans())
    identity: dict[str, Any] = {
        "type": "IdentityObject",
        "identityHash": draw(text),
        "identityType": draw(st.sampled_from(["emailAddress", "name", "sourcedId"])),
        "hashed": hashed,
    }
    _optional(draw, identity, "salt", text)
    return identity


def proof_options(method: str, created: str) -> dict[str, Any]:
    return {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": created,
        "verificationMethod": method,
        "proofPurpose": "assertionMethod",
    }


@st.composite
def endorsements(draw: st.DrawFn) -> dict[str, Any]:
    issuer = draw(did)
    proof = {**proof_options(f"{issuer}#key-1", draw(date_time)), "proofValue": "z" + draw(segment)}
    return {
        "@context": list(OB_CONTEXT),
        "id": draw(urn_iri),
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": draw(text)},
        "validFrom": draw(date_time),
        "name": draw(text),
        "credentialSubject": {
            "id": draw(http_iri),
            "type": ["EndorsementSubject"],
            "endorsementComment": draw(text),
        },
        "proof": draw(st.sampled_from([proof, [proof]])),
    }


@st.composite
def credentials(draw: st.DrawFn) -> dict[str, Any]:
    """An OpenBadgeCredential as Insigne issues it, with optional members and free text."""
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "achievement": draw(achievements()),
    }
    _optional(draw, subject, "id", did)
    _optional(draw, subject, "identifier", st.lists(identifiers(), min_size=1, max_size=3))
    credential: dict[str, Any] = {
        "@context": list(OB_CONTEXT),
        "id": draw(urn_iri),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": draw(profiles()),
        "validFrom": draw(date_time),
        "name": draw(text),
        "credentialSubject": subject,
    }
    _optional(draw, credential, "awardedDate", date_time)
    _optional(draw, credential, "validUntil", date_time)
    _optional(draw, credential, "description", text)
    _optional(draw, credential, "evidence", st.lists(evidence(), max_size=4))
    if draw(st.booleans()):
        credential["credentialStatus"] = {
            "id": draw(http_iri) + "#" + str(draw(st.integers(0, 131071))),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(draw(st.integers(0, 131071))),
            "statusListCredential": draw(http_iri),
        }
    return credential


@st.composite
def status_list_credentials(draw: st.DrawFn) -> dict[str, Any]:
    """A BitstringStatusListCredential as Insigne publishes it."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": draw(http_iri),
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": draw(did),
        "validFrom": draw(date_time),
        "credentialSubject": {
            "id": draw(http_iri) + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": draw(st.sampled_from(["revocation", "suspension"])),
            "encodedList": "u" + draw(segment),
        },
    }
