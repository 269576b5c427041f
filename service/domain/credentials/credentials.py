"""Building and signing the OpenBadgeCredential of a completion: pure, no database.

The document is made from `openbadges.models` objects, so the OB 3.0 names and shapes live in
the library; this module only decides what Insigne puts in them. Signing returns the exact
JSON text that is stored and served (never re-serialised afterwards).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from openbadges.identity import hash_identity
from openbadges.jsontypes import dumps
from openbadges.models import (
    Achievement as AchievementModel,
)
from openbadges.models import (
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
    Result,
    ResultDescription,
    compute_digest_sri,
    format_datetime,
    to_document,
)
from openbadges.proofs.jwt import sign_jwt
from openbadges.signing import sign_credential
from service.db.ids import new_id
from service.domain.catalogue.achievements import Achievement
from service.domain.credentials.completions import Completion
from service.domain.issuers.issuers import IssuerKeys, IssuerProfile
from service.domain.urls import Urls

EVIDENCE_GENRE = "Preuve et attestation de développement professionnel"
PRIVATE_EVIDENCE = "Réponse réflexive, consultable avec l'accord de la personne."
# The schema every OB 3.0 example names (1EdTech publishes it at this URL; verifiers such as
# the DCC's verifier-core fetch or bundle it and check the credential against it).
ACHIEVEMENT_CREDENTIAL_SCHEMA = CredentialSchema(
    id="https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
    type="1EdTechJsonSchemaValidator2019",
)


HOURS_RESULT_TYPE = "ext:ContinuingEducationHours"
HOURS_RESULT_NAME = (
    "Heures de formation continue (unité : heure) / Continuing-education hours (unit: hour)"
)
HOURS_FRAGMENT = "#continuing-education-hours"


_SUBJECT_NAMESPACE = uuid.UUID("5b0c1a3e-7f0e-4d2a-9c51-6e1f0b8a2d47")
"""Insigne's namespace for pairwise subject ids (any fixed UUID; never change it)."""


@dataclass(frozen=True)
class EvidenceItem:
    """One answer as stored, with the id its evidence URL names."""

    id: uuid.UUID
    prompt_key: str
    prompt_text: str
    position: int
    answer: str
    digest_sri: str


@dataclass(frozen=True)
class Draft:
    """Everything a credential is made of, fixed before it is built and signed."""

    credential_id: uuid.UUID
    completion_id: uuid.UUID
    completion: Completion
    achievement: Achievement
    issuer: IssuerKeys
    evidence: tuple[EvidenceItem, ...]
    status: dict[str, Any]  # the credentialStatus entry
    status_list_id: uuid.UUID
    status_index: int
    issued_at: datetime
    # The second entry (statusPurpose suspension): a suspended credential can be reinstated.
    suspension: dict[str, Any] | None = None
    suspension_list_id: uuid.UUID | None = None
    suspension_index: int | None = None
    # The webhook endpoints its "credential.issued" event goes to (found while preparing).
    followers: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class SignedCredential:
    json: bytes  # the Data Integrity-secured document, exactly as stored and served
    jwt: str


def pairwise_subject_id(issuer_did: str, email: str) -> str:
    """The earner's ``credentialSubject.id`` with this issuer, when the earner gave no DID.

    A name-based UUID (RFC 9562 §5.5) of the issuer and the e-mail address: stable, so one
    issuer's badges to one educator share it (and the VC-JWT always has its ``sub``), yet
    different for every issuer, so two issuers' badges cannot be linked through it. Whoever
    already knows the address can recompute it, but they can already test the address
    against the badge's ``identityHash``; it reveals nothing the badge does not.
    """
    name = f"{issuer_did}\n{email}"  # the address as `Completion.normalised` folds it
    return uuid.uuid5(_SUBJECT_NAMESPACE, name).urn


def evidence_items(completion: Completion, achievement: Achievement) -> tuple[EvidenceItem, ...]:
    prompts = {prompt.key: prompt.text for prompt in achievement.prompts}
    return tuple(
        EvidenceItem(
            id=new_id(),
            prompt_key=reflection.prompt,
            prompt_text=prompts[reflection.prompt],
            position=position,
            answer=reflection.answer,
            digest_sri=compute_digest_sri(reflection.answer.encode()),
        )
        for position, reflection in enumerate(completion.reflections)
    )


def build_credential(draft: Draft, urls: Urls) -> dict[str, Any]:
    """The unsigned credential of `draft`."""
    completion = draft.completion
    learner = completion.learner
    subject = AchievementSubject(
        id=learner.id or pairwise_subject_id(draft.issuer.issuer.did, learner.email),
        identifier=(
            msgspec.convert(hash_identity(learner.email), IdentityObject),
            # The earner's name, in clear: the badge page and the credential show who earned it.
            IdentityObject(identity_type="name", hashed=False, identity_hash=learner.name),
        ),
        achievement=achievement_model(
            draft.achievement, urls, is_reported=completion.hours is not None
        ),
        **_hours_earned(completion.hours_done(draft.achievement), draft.achievement, urls),
    )
    credential = OpenBadgeCredential(
        id=urls.credential(draft.credential_id),
        name=draft.achievement.name,
        issuer=issuer_model(draft.issuer.issuer),
        valid_from=format_datetime(draft.issued_at),
        awarded_date=format_datetime(completion.completed_at),
        credential_subject=subject,
        evidence=tuple(
            _evidence(item, urls, is_public=completion.share_reflections) for item in draft.evidence
        ),
        credential_status=_status(draft),
        credential_schema=(ACHIEVEMENT_CREDENTIAL_SCHEMA,),
    )
    return to_document(credential)


def _status(draft: Draft) -> CredentialStatus | tuple[CredentialStatus, ...]:
    """The revocation entry, and the suspension entry when the draft has one (VC-DM §4.10)."""
    revocation = msgspec.convert(draft.status, CredentialStatus)
    if draft.suspension is None:
        return revocation
    return (revocation, msgspec.convert(draft.suspension, CredentialStatus))


def sign_both_ways(unsigned: dict[str, Any], issuer: IssuerKeys, at: datetime) -> SignedCredential:
    """Data Integrity ``eddsa-rdfc-2022`` and an RS256 VC-JWT of the same credential.

    The JWT's ``kid`` is the RSA key's verification method in the issuer's DID document (a DID
    URL listed in ``assertionMethod``, type ``JsonWebKey``), so any verifier that resolves
    did:web ties the key to the issuer (OB 3.0 §8.2.4). Tokens signed before named an https
    URL serving the bare JWK (``/issuers/<slug>/keys/<name>``); those URLs are still served.
    """
    document = sign_credential(unsigned, issuer.keys.data_integrity, created=at)
    token = sign_jwt(unsigned, issuer.keys.jwt)
    return SignedCredential(dumps(document), token)


def achievement_model(
    achievement: Achievement, urls: Urls, *, is_reported: bool = False
) -> AchievementModel:
    """The OB 3.0 Achievement, as credentials embed it and ``/achievements/<slug>`` serves it."""
    return AchievementModel(
        id=urls.achievement(achievement.slug),
        achievement_type="Badge",
        name=achievement.name,
        description=achievement.description,
        criteria=Criteria(narrative=achievement.criteria),
        human_code=f"{achievement.track} {achievement.level}",
        in_language=achievement.in_language,
        # Every badge has a picture: its own, or the one Insigne designs from its name and level.
        image=Image(id=achievement.image_url or urls.achievement_image(achievement.slug)),
        alignment=tuple(
            Alignment(
                target_name=a.name,
                target_url=a.url,
                target_code=a.code,
                target_framework=a.framework,
                target_type=a.type,
            )
            for a in achievement.alignments
        ),
        tag=achievement.tags,
        # Hours are the credits (docs/hours.md): the number in creditsAvailable, and the unit
        # named by a result description that the subject's result refers to.
        credits_available=achievement.hours,
        result_description=_hours_described(achievement, urls, is_reported=is_reported),
    )


def _hours_described(
    achievement: Achievement, urls: Urls, *, is_reported: bool
) -> tuple[ResultDescription, ...]:
    """The result description that names the hours' unit, when the badge states hours."""
    if achievement.hours is None and not is_reported:
        return ()
    return (
        ResultDescription(
            id=urls.achievement(achievement.slug) + HOURS_FRAGMENT,
            name=HOURS_RESULT_NAME,
            result_type=HOURS_RESULT_TYPE,
            value_min="0",
            value_max=None if achievement.hours is None else format_hours(achievement.hours),
        ),
    )


def _hours_earned(hours: float | None, achievement: Achievement, urls: Urls) -> dict[str, Any]:
    """``creditsEarned`` (hours) and the result naming their unit, when hours are known."""
    if hours is None:
        return {}
    result = Result(
        value=format_hours(hours),
        result_description=urls.achievement(achievement.slug) + HOURS_FRAGMENT,
    )
    return {"credits_earned": hours, "result": (result,)}


def format_hours(hours: float) -> str:
    """Hours as a plain decimal string: ``3``, ``2.5``, ``0.75``."""
    return f"{hours:g}"


def issuer_model(issuer: IssuerProfile) -> Profile:
    """The OB 3.0 Profile of an issuer, as credentials embed it and its URL serves it."""
    return Profile(
        id=issuer.did,
        name=issuer.name,
        url=issuer.url,
        email=issuer.email,
        description=issuer.description or None,
        image=Image(id=issuer.image_url) if issuer.image_url else None,
    )


def _evidence(item: EvidenceItem, urls: Urls, *, is_public: bool) -> Evidence:
    """The answer itself when shared; otherwise its URL and digest, which prove it."""
    if is_public:
        return Evidence(
            id=urls.evidence(item.id),
            name=item.prompt_text,
            genre=EVIDENCE_GENRE,
            narrative=item.answer,
        )
    return Evidence(
        id=urls.evidence(item.id),
        name=item.prompt_text,
        genre=EVIDENCE_GENRE,
        description=PRIVATE_EVIDENCE,
        digest_sri=item.digest_sri,
    )
