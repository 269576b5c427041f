"""What Litestar cannot infer for the OpenAPI document.

Verification's four input forms: the handler of ``POST /api/v1/verifications`` reads its body
itself (JSON or a multipart upload, by media type), so Litestar sees no ``data`` parameter.
`BODY` is a dependency no handler asks for: Litestar documents the ``data`` of a route's
dependencies, so it describes the JSON forms from these Structs and never runs;
`VerificationOperation` adds the multipart form beside them. `CredentialOperation` lists the
media types the public credential is served in.
"""

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar.di import Provide
from litestar.openapi.spec import (
    Encoding,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    RequestBody,
    Schema,
)
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import Body

JSON_LD_TYPES = ("application/vc+ld+json", "application/ld+json", "application/json")
JWT_TYPES = ("application/vc+jwt", "application/jwt")
Email = Annotated[str, msgspec.Meta(max_length=320, examples=["marie.tremblay@exemple.qc.ca"])]


class RecipientIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email


class CredentialVerificationIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A credential as JSON-LD (an OpenBadgeCredential or an OB 2.0 assertion)."""

    credential: dict[str, Any]
    recipient: RecipientIn | None = None


class JwtVerificationIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A VC-JWT (or an OB 2.0 signed assertion)."""

    jwt: Annotated[str, msgspec.Meta(max_length=1_000_000)]
    recipient: RecipientIn | None = None


class UrlVerificationIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A badge link; the credential is fetched from it."""

    url: Annotated[
        str, msgspec.Meta(max_length=2000, examples=["https://insigne.example/credentials/…"])
    ]
    recipient: RecipientIn | None = None


VerificationForms = CredentialVerificationIn | JwtVerificationIn | UrlVerificationIn


def _describe(data: Annotated[VerificationForms, Body(title="Verification")]) -> None:
    """Never called: its ``data`` is what the OpenAPI document shows as the JSON body."""


BODY = {"documented_body": Provide(_describe, sync_to_thread=False)}

MULTIPART = OpenAPIMediaType(
    schema=Schema(
        type=OpenAPIType.OBJECT,
        required=["file"],
        properties={
            "file": Schema(
                type=OpenAPIType.STRING,
                format=OpenAPIFormat.BINARY,
                description="a baked PNG (iTXt ``openbadges``) or SVG (``openbadges:assertion``)",
            ),
            "recipientEmail": Schema(
                type=OpenAPIType.STRING,
                max_length=320,
                description="check that the badge was awarded to this address",
            ),
        },
    ),
    encoding={"file": Encoding(content_type="image/png, image/svg+xml")},
)


@dataclass
class VerificationOperation(Operation):
    """The operation with the multipart upload added to the JSON forms."""

    def __post_init__(self) -> None:
        if isinstance(self.request_body, RequestBody):
            self.request_body.content["multipart/form-data"] = MULTIPART
            self.request_body.description = (
                "Exactly one of `credential`, `jwt` or `url` as JSON, or a baked image as a "
                "multipart upload; `recipient` / `recipientEmail` optionally checks the earner."
            )


_DOCUMENT = Schema(type=OpenAPIType.OBJECT, description="the signed credential, as stored")
_JWT = Schema(type=OpenAPIType.STRING, description="the credential as a VC-JWT")


@dataclass
class CredentialOperation(Operation):
    """The public credential's 200: JSON-LD in three media types, or a VC-JWT in two."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse):
            ok.content = {
                **{media: OpenAPIMediaType(schema=_DOCUMENT) for media in JSON_LD_TYPES},
                **{media: OpenAPIMediaType(schema=_JWT) for media in JWT_TYPES},
            }


@dataclass
class JsonLdOperation(Operation):
    """A JSON-LD document served as a Response (Litestar cannot see its shape)."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse) and ok.content:
            ok.content = {
                media: OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.OBJECT, description="a JSON-LD document")
                )
                for media in ok.content
            }
