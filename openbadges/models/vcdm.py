"""Verifiable Credentials Data Model 2.0 members shared by every credential.

https://www.w3.org/TR/vc-data-model-2.0/
"""

import base64
import hashlib

import msgspec

from openbadges.models.base import FieldError, check_datetime

_SRI_ALGORITHMS = ("sha256", "sha384", "sha512")


class CredentialStatus(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True
):
    """Where to discover whether the credential is revoked or suspended.

    OB 3.0 requires `id`. The three ``status*`` members are those of a
    ``BitstringStatusListEntry`` (W3C Bitstring Status List v1.0), the status method of VC 2.0;
    `status_list_index` is a string there.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.credentialstatus.class
    """

    id: str
    type: str
    status_purpose: str | None = None
    status_list_index: str | None = None
    status_list_credential: str | None = None


class CredentialSchema(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True
):
    """A data schema the credential conforms to, e.g. type ``1EdTechJsonSchemaValidator2019``.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.credentialschema.class
    """

    id: str
    type: str


class RefreshService(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    """Where a fresh copy of the credential can be obtained.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.refreshservice.class
    """

    id: str
    type: str


class TermsOfUse(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    """Terms under which the credential was issued.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.termsofuse.class
    """

    type: str
    id: str | None = None


class Proof(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    """A typed view of an embedded proof (proofs are created and checked on documents).

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.proof.class
    """

    type: str
    created: str | None = None
    cryptosuite: str | None = None
    challenge: str | None = None
    domain: str | None = None
    nonce: str | None = None
    proof_purpose: str | None = None
    proof_value: str | None = None
    verification_method: str | None = None

    def __post_init__(self) -> None:
        check_datetime("created", self.created)


class RelatedResource(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True
):
    """A resource the credential protects with a digest (VC 2.0 `relatedResource`).

    https://www.w3.org/TR/vc-data-model-2.0/#integrity-of-related-resources
    """

    id: str
    media_type: str | None = None
    digest_sri: str | None = msgspec.field(default=None, name="digestSRI")
    digest_multibase: str | None = None

    def __post_init__(self) -> None:
        # VC 2.0, Integrity of Related Resources: "MUST contain at least a digestSRI or a
        # digestMultibase value".
        if self.digest_sri is None and self.digest_multibase is None:
            raise FieldError(f"relatedResource {self.id!r} needs digestSRI or digestMultibase")


def compute_digest_sri(content: bytes, algorithm: str = "sha384") -> str:
    """Compute a Subresource Integrity digest (``sha384-<base64>``) for `digestSRI`.

    Args:
        content: The bytes of the resource, exactly as served.
        algorithm: ``sha256``, ``sha384`` (the minimum VC 2.0 recommends) or ``sha512``.

    Returns:
        The SRI hash expression.

    Raises:
        ValueError: `algorithm` is not one SRI allows.

    https://www.w3.org/TR/vc-data-model-2.0/#integrity-of-related-resources
    """
    if algorithm not in _SRI_ALGORITHMS:
        raise ValueError(f"SRI algorithm must be one of {_SRI_ALGORITHMS}, not {algorithm!r}")
    digest = hashlib.new(algorithm, content).digest()
    return f"{algorithm}-{base64.b64encode(digest).decode('ascii')}"
