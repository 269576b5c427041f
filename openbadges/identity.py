"""Recipient identifiers: build and check OB 3.0 IdentityObjects (salted identity hashes).

E-mail addresses are compared the way people expect: surrounding white space is trimmed and
the whole address is lower-cased before hashing. OB 3.0 does not define a normalisation (its
IdentityHash is computed "across an identifier and an optionally appended salt string"). RFC
5321 §2.4 makes the domain case-insensitive and leaves the local part's case to the receiving
host; the common providers (Gmail, Outlook, Yahoo, iCloud, and the usual Exchange and Postfix
set-ups) deliver ``Marie.Tremblay@`` and ``marie.tremblay@`` to the same mailbox, so the local
part is folded too. When matching, the address as given is tried as well, so a hash an issuer
made without folding still matches the address typed with the same letters.

https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.identityobject.class
"""

import hashlib
import hmac
import re
import secrets

from openbadges.errors import InvalidDocument
from openbadges.jsontypes import JSONObject
from openbadges.models import IdentityObject, from_document, to_document

__all__ = [
    "IDENTIFIER_TYPES",
    "constant_time_equals",
    "email_forms",
    "hash_identity",
    "matches_identity",
    "normalise_email",
]

IDENTIFIER_TYPES = frozenset(
    {
        "name",
        "sourcedId",
        "systemId",
        "productId",
        "userName",
        "accountId",
        "emailAddress",
        "nationalIdentityNumber",
        "isbn",
        "issn",
        "lisSourcedId",
        "oneRosterSourcedId",
        "sisSourcedId",
        "ltiContextId",
        "ltiDeploymentId",
        "ltiToolId",
        "ltiPlatformId",
        "ltiUserId",
        "identifier",
    }
)
"""The IdentifierTypeEnum values; other types must be extensions named ``ext:<name>``."""

_EXTENSION_TYPE = re.compile(r"ext:[A-Za-z0-9._-]+", re.ASCII)
_SALT_BYTES = 16


def hash_identity(
    identifier: str, *, salt: str | None = None, identity_type: str = "emailAddress"
) -> JSONObject:
    """Build a hashed IdentityObject: ``sha256$`` + hex SHA-256 of identifier + salt.

    Args:
        identifier: The plaintext identifier, usually an e-mail address (normalised first).
        salt: The salt to append; a fresh random one (128 bits, hex) when None.
        identity_type: An IdentifierTypeEnum value or an ``ext:`` extension type.

    Returns:
        ``{"type": "IdentityObject", "identityHash": ..., "identityType": ..., "hashed": true,
        "salt": ...}``.

    Raises:
        ValueError: `identifier` is blank or `identity_type` is not a known or ``ext:`` type.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.identityhash.class
    """
    if identity_type not in IDENTIFIER_TYPES and not _EXTENSION_TYPE.fullmatch(identity_type):
        raise ValueError(f"identity_type {identity_type!r} is not an IdentifierTypeEnum value")
    if not identifier.strip():
        raise ValueError("identifier must not be blank")
    if identity_type == "emailAddress":
        identifier = normalise_email(identifier)
    if salt is None:
        salt = secrets.token_hex(_SALT_BYTES)
    identity = IdentityObject(
        identity_hash="sha256$" + _hex_digest("sha256", identifier + salt),
        identity_type=identity_type,
        hashed=True,
        salt=salt,
    )
    return to_document(identity)


def matches_identity(
    identity: JSONObject, identifier: str, *, identity_type: str | None = None
) -> bool:
    """Tell whether a known identifier is the one an IdentityObject stands for.

    Follows OB 3.0 "Verify the Recipient Using an Identifier": a hashed identity is compared
    with the IdentityHash (``sha256$`` or ``md5$``, hex in either case) of the identifier plus
    the identity's salt, a plaintext one with the identifier itself, in constant time. For
    e-mail addresses both the address as given and its normalised form are tried, so hashes
    made by issuers that do not normalise still match.

    Args:
        identity: An IdentityObject from a credential's ``credentialSubject.identifier``.
        identifier: The known plaintext identifier, e.g. the earner's e-mail address.
        identity_type: The known identifier's type; when given, an identity of another type
            does not match.

    Returns:
        True when the identity is the identifier's.

    Raises:
        InvalidDocument: `identity` is not an IdentityObject, or names a hash algorithm other
            than md5 and sha256.

    https://www.imsglobal.org/spec/ob/v3p0/#verify-identifier
    """
    view = from_document(identity, IdentityObject)
    if identity_type is not None and view.identity_type != identity_type:
        return False
    is_email = view.identity_type == "emailAddress"
    candidates = email_forms(identifier) if is_email else [identifier]
    if not view.hashed:
        stored = normalise_email(view.identity_hash) if is_email else view.identity_hash
        return any(constant_time_equals(stored, candidate) for candidate in candidates)
    algorithm, separator, expected = view.identity_hash.partition("$")
    if not separator or algorithm not in ("sha256", "md5"):
        raise InvalidDocument(f"identityHash must start with sha256$ or md5$, not {algorithm!r}")
    salt = view.salt or ""
    return any(
        constant_time_equals(expected.lower(), _hex_digest(algorithm, candidate + salt))
        for candidate in candidates
    )


def normalise_email(address: str) -> str:
    """The form of an e-mail address that is hashed: trimmed and lower-cased (see above).

    Args:
        address: an e-mail address as typed.

    Returns:
        The address without surrounding white space, in lower case.
    """
    return address.strip().lower()


def email_forms(address: str) -> list[str]:
    """The spellings of an e-mail address a recipient identity may have been made from.

    Args:
        address: the address as typed.

    Returns:
        The address as given, with its domain folded to lower case (what issuers that only
        fold the domain hash), and wholly folded (`normalise_email`), without repeats.
    """
    stripped = address.strip()
    local, at, domain = stripped.rpartition("@")
    # As given; with the domain folded (what this library hashed before folding the local
    # part); and wholly folded.
    forms = [stripped, f"{local}{at}{domain.lower()}" if at else stripped, normalise_email(address)]
    return list(dict.fromkeys(forms))


def _hex_digest(algorithm: str, text: str) -> str:
    # OB 3.0 IdentityHash: "Identifiers and salts MUST be encoded in UTF-8 prior to hashing".
    data = text.encode("utf-8")
    if algorithm == "md5":
        return hashlib.md5(data, usedforsecurity=False).hexdigest()
    return hashlib.sha256(data).hexdigest()


def constant_time_equals(left: str, right: str) -> bool:
    """Compare two strings (hashes, identities) in time independent of where they differ."""
    # compare_digest only takes ASCII str, so compare the UTF-8 bytes.
    return hmac.compare_digest(left.encode("utf-8"), right.encode("utf-8"))
