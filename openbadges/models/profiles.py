"""Profiles (issuers, creators, endorsers) and the endorsements they carry.

`Profile` and `EndorsementCredential` refer to each other, so they live in one module.
"""

from typing import Any, Literal

import msgspec

from openbadges.models.base import (
    OB_CONTEXT,
    check_validity_period,
    default_types,
    require_type,
)
from openbadges.models.vcdm import (
    CredentialSchema,
    CredentialStatus,
    Proof,
    RefreshService,
    RelatedResource,
    TermsOfUse,
)


def _image_type() -> Literal["Image"]:
    return "Image"


def _identifier_entry_type() -> Literal["IdentifierEntry"]:
    return "IdentifierEntry"


def _geo_type() -> Literal["GeoCoordinates"]:
    return "GeoCoordinates"


def default_context() -> tuple[str | dict[str, Any], ...]:
    """Return `OB_CONTEXT` as the default `@context` of a credential."""
    return tuple(OB_CONTEXT)


class Image(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    """An image (URL or data URI) with an optional caption; its `type` is the string "Image".

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.image.class
    """

    id: str
    # A factory default, unlike a plain one, is serialized even under omit_defaults.
    type: Literal["Image"] = msgspec.field(default_factory=_image_type)
    caption: str | None = None


class IdentifierEntry(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True
):
    """Another identifier of a profile or achievement, e.g. a ``sourcedId``.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.identifierentry.class
    """

    type: Literal["IdentifierEntry"] = msgspec.field(default_factory=_identifier_entry_type)
    identifier: str
    identifier_type: str


class GeoCoordinates(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    """A WGS84 position.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.geocoordinates.class
    """

    type: Literal["GeoCoordinates"] = msgspec.field(default_factory=_geo_type)
    latitude: float
    longitude: float


class Address(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    """A postal address.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.address.class
    """

    type: tuple[str, ...] = msgspec.field(default_factory=default_types("Address"))
    address_country: str | None = None
    address_country_code: str | None = None
    address_region: str | None = None
    address_locality: str | None = None
    street_address: str | None = None
    post_office_box_number: str | None = None
    postal_code: str | None = None
    geo: GeoCoordinates | None = None

    def __post_init__(self) -> None:
        require_type(self.type, "Address")


class Profile(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    """A person or organisation: the issuer, an achievement's creator, an endorser.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.profile.class
    """

    id: str
    type: tuple[str, ...] = msgspec.field(default_factory=default_types("Profile"))
    name: str | None = None
    url: str | None = None
    phone: str | None = None
    description: str | None = None
    endorsement: "tuple[EndorsementCredential, ...]" = ()
    endorsement_jwt: tuple[str, ...] = ()
    image: Image | None = None
    email: str | None = None
    address: Address | None = None
    other_identifier: tuple[IdentifierEntry, ...] = ()
    official: str | None = None
    parent_org: "Profile | None" = None
    family_name: str | None = None
    given_name: str | None = None
    additional_name: str | None = None
    patronymic_name: str | None = None
    honorific_prefix: str | None = None
    honorific_suffix: str | None = None
    family_name_prefix: str | None = None
    date_of_birth: str | None = None

    def __post_init__(self) -> None:
        require_type(self.type, "Profile")


class EndorsementSubject(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True
):
    """The endorsed entity and the endorser's comment.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.endorsementsubject.class
    """

    id: str
    type: tuple[str, ...] = msgspec.field(default_factory=default_types("EndorsementSubject"))
    endorsement_comment: str | None = None

    def __post_init__(self) -> None:
        require_type(self.type, "EndorsementSubject")


class EndorsementCredential(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True
):
    """A credential in which a third party endorses a profile, an achievement or a credential.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.endorsementcredential.class
    """

    context: tuple[str | dict[str, Any], ...] = msgspec.field(
        default_factory=default_context, name="@context"
    )
    id: str
    type: tuple[str, ...] = msgspec.field(
        default_factory=default_types("VerifiableCredential", "EndorsementCredential")
    )
    name: str
    description: str | None = None
    issuer: str | Profile
    valid_from: str
    valid_until: str | None = None
    awarded_date: str | None = None
    credential_subject: EndorsementSubject
    credential_schema: tuple[CredentialSchema, ...] = ()
    credential_status: CredentialStatus | None = None
    refresh_service: RefreshService | None = None
    terms_of_use: tuple[TermsOfUse, ...] = ()
    related_resource: tuple[RelatedResource, ...] = ()
    proof: tuple[Proof, ...] = ()

    def __post_init__(self) -> None:
        require_type(self.type, "VerifiableCredential")
        require_type(self.type, "EndorsementCredential")
        check_validity_period(self.valid_from, self.valid_until, self.awarded_date)
