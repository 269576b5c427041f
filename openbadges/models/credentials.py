"""The OpenBadgeCredential (alias AchievementCredential) and what describes its recipient."""

from typing import Any, Literal

import msgspec

from openbadges.models.achievements import Achievement, Alignment
from openbadges.models.base import (
    check_datetime,
    check_validity_period,
    default_types,
    require_type,
)
from openbadges.models.profiles import EndorsementCredential, Image, Profile, default_context
from openbadges.models.vcdm import (
    CredentialSchema,
    CredentialStatus,
    Proof,
    RefreshService,
    RelatedResource,
    TermsOfUse,
)


def _identity_object_type() -> Literal["IdentityObject"]:
    return "IdentityObject"


class IdentityObject(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    """An identifier of the recipient, usually a salted hash of an e-mail address.

    Build one with `openbadges.identity.hash_identity`; its `type` is the string
    "IdentityObject".

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.identityobject.class
    """

    type: Literal["IdentityObject"] = msgspec.field(default_factory=_identity_object_type)
    identity_hash: str
    identity_type: str
    hashed: bool
    salt: str | None = None


class Result(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    """A result the recipient achieved, linked to a `ResultDescription` by its id.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.result.class
    """

    type: tuple[str, ...] = msgspec.field(default_factory=default_types("Result"))
    achieved_level: str | None = None
    alignment: tuple[Alignment, ...] = ()
    result_description: str | None = None
    status: str | None = None
    value: str | None = None

    def __post_init__(self) -> None:
        require_type(self.type, "Result")


class Evidence(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    """Work behind the award: a URL or data URI, a Markdown narrative, or both.

    `digest_sri`, `digest_multibase` and `media_type` are the VC 2.0 integrity members any
    object with an `id` may carry, so a verifier can tell whether the evidence changed.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.evidence.class and
    https://www.w3.org/TR/vc-data-model-2.0/#integrity-of-related-resources
    """

    id: str | None = None
    type: tuple[str, ...] = msgspec.field(default_factory=default_types("Evidence"))
    name: str | None = None
    description: str | None = None
    narrative: str | None = None
    genre: str | None = None
    audience: str | None = None
    media_type: str | None = None
    digest_sri: str | None = msgspec.field(default=None, name="digestSRI")
    digest_multibase: str | None = None

    def __post_init__(self) -> None:
        require_type(self.type, "Evidence")


class AchievementSubject(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True
):
    """The recipient (by `id` or by `identifier`) and the achievement awarded to them.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.achievementsubject.class
    """

    id: str | None = None
    type: tuple[str, ...] = msgspec.field(default_factory=default_types("AchievementSubject"))
    achievement: Achievement
    identifier: tuple[IdentityObject, ...] = ()
    activity_start_date: str | None = None
    activity_end_date: str | None = None
    credits_earned: float | None = None
    image: Image | None = None
    license_number: str | None = None
    narrative: str | None = None
    result: tuple[Result, ...] = ()
    role: str | None = None
    source: Profile | None = None
    term: str | None = None

    def __post_init__(self) -> None:
        require_type(self.type, "AchievementSubject")
        # These two are DateTime in OB 3.0, not DateTimeZ: the zone may be absent.
        check_datetime("activityStartDate", self.activity_start_date)
        check_datetime("activityEndDate", self.activity_end_date)


class OpenBadgeCredential(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True
):
    """An awarded achievement: the issuer says the subject earned it (AchievementCredential).

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.achievementcredential.class
    """

    context: tuple[str | dict[str, Any], ...] = msgspec.field(
        default_factory=default_context, name="@context"
    )
    id: str
    type: tuple[str, ...] = msgspec.field(
        default_factory=default_types("VerifiableCredential", "OpenBadgeCredential")
    )
    name: str | None = None
    description: str | None = None
    image: Image | None = None
    issuer: str | Profile
    valid_from: str
    valid_until: str | None = None
    awarded_date: str | None = None
    credential_subject: AchievementSubject
    evidence: tuple[Evidence, ...] = ()
    endorsement: tuple[EndorsementCredential, ...] = ()
    endorsement_jwt: tuple[str, ...] = ()
    credential_schema: tuple[CredentialSchema, ...] = ()
    # OB 3.0 has one CredentialStatus; VC-DM 2.0 §4.10 allows several (one per purpose:
    # revocation and suspension), which 1EdTech's JSON Schema does not yet accept.
    credential_status: CredentialStatus | tuple[CredentialStatus, ...] | None = None
    refresh_service: RefreshService | None = None
    terms_of_use: tuple[TermsOfUse, ...] = ()
    related_resource: tuple[RelatedResource, ...] = ()
    proof: tuple[Proof, ...] = ()

    def __post_init__(self) -> None:
        require_type(self.type, "VerifiableCredential")
        require_type(self.type, "OpenBadgeCredential", "AchievementCredential")
        check_validity_period(self.valid_from, self.valid_until, self.awarded_date)


AchievementCredential = OpenBadgeCredential
"""The spec's other name for `OpenBadgeCredential`; both `type` values are accepted."""
