"""Credential status: W3C Bitstring Status List, legacy StatusList2021 and 1EdTech Revocation List.

Issuers publish a `StatusList` with `status_list_credential()` (unsigned) and put
`status_entry()` in each credential. Verifiers fetch the list credential, verify its proof and
validity period themselves, then call `read_status()`: this module only reads bits.
Specs: https://www.w3.org/TR/vc-bitstring-status-list/, StatusList2021
(https://www.w3.org/community/reports/credentials/CG-FINAL-vc-status-list-2021-20230102/) and
https://www.imsglobal.org/spec/vcrl/v1p0/.
"""

import base64
import gzip
import re
import zlib
from dataclasses import dataclass
from typing import Any, Final, Literal

from openbadges.errors import StatusListError
from openbadges.jsontypes import JSONObject

__all__ = [
    "MAX_LIST_BYTES",
    "MIN_BITS",
    "StatusList",
    "StatusPurpose",
    "StatusReading",
    "read_1edtech_revocation",
    "read_status",
    "status_entry",
    "status_list_credential",
]

MIN_BITS: Final = 131_072
"""The spec's minimum list length (16 KiB of bits), for herd privacy."""

MAX_LIST_BYTES: Final = 16 * 1024 * 1024
"""Default cap on a decompressed list (134 million entries), against gzip bombs."""

StatusPurpose = Literal["revocation", "suspension"]
"""The purposes this library issues; reading accepts any purpose string (e.g. ``refresh``)."""

_VC_V2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_MAX_INDEX_DIGITS: Final = 20  # far past any list MAX_LIST_BYTES allows; bounds int() work


@dataclass(frozen=True)
class _Format:
    """The type names that belong together in one status method."""

    credential_type: str
    subject_type: str
    is_multibase: bool


_FORMATS: Final = {
    "BitstringStatusListEntry": _Format(
        "BitstringStatusListCredential", "BitstringStatusList", True
    ),
    # the StatusList2021 report: encodedList is plain base64, without the multibase prefix
    "StatusList2021Entry": _Format("StatusList2021Credential", "StatusList2021", False),
}


class StatusList:
    """A mutable bitstring; index 0 is the most significant bit of the first byte.

    https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistcredential
    """

    __slots__ = ("_bits",)

    def __init__(self, size: int = MIN_BITS) -> None:
        """Create an all-zero list of `size` bits for issuing.

        Raises:
            StatusListError: `size` is below `MIN_BITS` or not a multiple of 8.
        """
        if size < MIN_BITS or size % 8:
            raise StatusListError(f"size must be a multiple of 8, >= {MIN_BITS}: {size}")
        self._bits = bytearray(size // 8)

    def __len__(self) -> int:
        return len(self._bits) * 8

    def __bytes__(self) -> bytes:
        return bytes(self._bits)

    def _locate(self, index: int) -> tuple[int, int]:
        if not 0 <= index < len(self):
            raise StatusListError(f"status list index {index} is outside 0..{len(self) - 1}")
        return index // 8, 0x80 >> (index % 8)

    def get(self, index: int) -> bool:
        """Return whether the bit at `index` is set.

        Raises:
            StatusListError: `index` is out of range (the spec's RANGE_ERROR).
        """
        byte, mask = self._locate(index)
        return bool(self._bits[byte] & mask)

    def set(self, index: int, value: bool = True) -> None:
        """Set (or with ``value=False`` clear) the bit at `index`.

        Raises:
            StatusListError: `index` is out of range.
        """
        byte, mask = self._locate(index)
        if value:
            self._bits[byte] |= mask
        else:
            self._bits[byte] &= ~mask & 0xFF

    def encode(self) -> str:
        """Return the ``encodedList`` value: GZIP, then multibase base64url (``u``, no padding).

        https://www.w3.org/TR/vc-bitstring-status-list/#bitstring-generation-algorithm
        """
        # mtime=0 keeps the output reproducible, so republishing an unchanged list is a no-op
        compressed = gzip.compress(bytes(self._bits), mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, encoded: str, *, max_bytes: int = MAX_LIST_BYTES) -> "StatusList":
        """Expand an ``encodedList`` value, with or without the multibase ``u`` prefix.

        Without it (StatusList2021), both base64 alphabets and padding are accepted.
        https://www.w3.org/TR/vc-bitstring-status-list/#bitstring-expansion-algorithm

        Args:
            encoded: the ``encodedList`` string.
            max_bytes: the largest decompressed list accepted.

        Raises:
            StatusListError: bad base64, not GZIP, empty, or larger than `max_bytes`.
        """
        is_multibase = encoded.startswith("u")
        raw = _gunzip(_decode_base64(encoded.removeprefix("u"), is_multibase), max_bytes)
        if not raw:
            raise StatusListError("the status list is empty")
        # A decoded list keeps its published length, even below MIN_BITS: read_status judges it
        status_list = cls.__new__(cls)
        status_list._bits = bytearray(raw)
        return status_list


def _decode_base64(text: str, is_multibase: bool) -> bytes:
    if not is_multibase:
        # StatusList2021 only says "base-64 encoded [RFC4648]"; both alphabets occur in the wild
        text = text.rstrip("=").replace("+", "-").replace("/", "_")
    # past this check the decoder cannot fail
    if len(text) % 4 == 1 or not _BASE64URL.fullmatch(text):
        raise StatusListError("encodedList is not unpadded base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    """Decompress every GZIP member of `data`, stopping as soon as `max_bytes` is exceeded."""
    out = bytearray()
    while data:
        member = zlib.decompressobj(wbits=31)  # 16 + MAX_WBITS: GZIP framing and CRC required
        try:
            out += member.decompress(data, max_bytes + 1 - len(out))
        except zlib.error as exc:
            raise StatusListError(f"encodedList is not GZIP data: {exc}") from exc
        if len(out) > max_bytes:
            raise StatusListError(f"the status list expands past {max_bytes} bytes")
        if not member.eof:
            raise StatusListError("encodedList holds truncated GZIP data")
        data = member.unused_data
    return bytes(out)


def status_entry(list_credential_url: str, index: int, purpose: StatusPurpose) -> JSONObject:
    """Build the ``credentialStatus`` member that points at one bit of a status list.

    https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistentry

    Args:
        list_credential_url: where the status list credential is published.
        index: the credential's bit; the spec asks issuers to assign indexes at random.
        purpose: ``revocation`` or ``suspension``.

    Returns:
        A ``BitstringStatusListEntry``; ``statusListIndex`` is a base-10 string.

    Raises:
        StatusListError: `index` is negative.
    """
    if index < 0:
        raise StatusListError(f"a status list index cannot be negative: {index}")
    return {
        "id": f"{list_credential_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_credential_url,
    }


def status_list_credential(
    *,
    id: str,
    issuer: str,
    purpose: StatusPurpose,
    status_list: StatusList,
    valid_from: str,
    valid_until: str | None = None,
) -> JSONObject:
    """Build an unsigned ``BitstringStatusListCredential`` on the VC 2.0 context, for a proof.

    https://www.w3.org/TR/vc-bitstring-status-list/#generate-algorithm

    Args:
        id: the URL the credential is published at (the entries' ``statusListCredential``).
        issuer: the issuer's id.
        purpose: the one purpose of every bit in the list.
        status_list: the bits; at least `MIN_BITS` long.
        valid_from: an XML Schema dateTimeStamp.
        valid_until: an optional dateTimeStamp; verifiers refetch after it.

    Raises:
        StatusListError: `status_list` is shorter than `MIN_BITS`.
    """
    if len(status_list) < MIN_BITS:
        raise StatusListError(f"a published list needs >= {MIN_BITS} bits: {len(status_list)}")
    credential: JSONObject = {
        "@context": [_VC_V2_CONTEXT],
        "id": id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{id}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": status_list.encode(),
        },
    }
    if valid_until is not None:
        credential["validUntil"] = valid_until
    return credential


@dataclass(frozen=True)
class StatusReading:
    """One status bit read from a list; what a set bit means depends on `purpose`."""

    purpose: str
    index: int
    is_set: bool
    list_credential_url: str
    """The entry's ``statusListCredential``."""
    list_size: int = MIN_BITS
    """How many entries the list holds (the spec asks for at least `MIN_BITS`)."""


def read_status(
    entry: JSONObject,
    list_credential: JSONObject,
    *,
    min_entries: int = MIN_BITS,
    is_list_id_checked: bool = True,
) -> StatusReading:
    """Read the bit a ``BitstringStatusListEntry`` or ``StatusList2021Entry`` points at.

    The caller has dereferenced ``entry["statusListCredential"]`` and verified that credential's
    proof and validity period. https://www.w3.org/TR/vc-bitstring-status-list/#validate-algorithm

    Args:
        entry: one ``credentialStatus`` object.
        list_credential: the status list credential.
        min_entries: the smallest list accepted (STATUS_LIST_LENGTH_ERROR); an ecosystem may
            set a lower bound, e.g. 100,000 for lists made by older Digital Bazaar libraries.
        is_list_id_checked: require the list credential's ``id`` to equal the entry's
            ``statusListCredential``. The spec only says MAY, and lists copied to another URL
            fail it; turn it off only when the list was fetched from that very URL.

    Returns:
        The purpose, index and bit.

    Raises:
        StatusListError: any check fails (types, id, purpose, statusSize, length, index range).
    """
    status_format = _entry_format(entry)
    purpose = _require_str(entry, "statusPurpose", "credentialStatus")
    _check_status_size(entry, "credentialStatus")
    index = _entry_index(entry)
    url = _require_str(entry, "statusListCredential", "credentialStatus")
    subject = _list_subject(list_credential, status_format)
    if is_list_id_checked:
        _check_id(list_credential, url)
    _check_purpose(subject, purpose)
    _check_status_size(subject, "credentialSubject")
    encoded = _require_str(subject, "encodedList", "credentialSubject")
    if status_format.is_multibase and not encoded.startswith("u"):
        raise StatusListError("a BitstringStatusList encodedList must start with 'u'")
    status_list = StatusList.decode(encoded)
    if len(status_list) < min_entries:
        raise StatusListError(f"the list has {len(status_list)} entries, < {min_entries}")
    return StatusReading(purpose, index, status_list.get(index), url, len(status_list))


def _entry_format(entry: JSONObject) -> _Format:
    entry_type = entry.get("type")
    if not isinstance(entry_type, str) or entry_type not in _FORMATS:
        raise StatusListError(f"unsupported credentialStatus type {entry_type!r}")
    return _FORMATS[entry_type]


def _require_str(obj: JSONObject, member: str, where: str) -> str:
    value = obj.get(member)
    if not isinstance(value, str) or not value:
        raise StatusListError(f"{where}.{member} must be a non-empty string")
    return value


def _check_status_size(obj: JSONObject, where: str) -> None:
    size = obj.get("statusSize", 1)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise StatusListError(f"{where}.statusSize must be a positive integer, not {size!r}")
    if size != 1:
        # Conformance: processors MAY support only statusSize 1
        raise StatusListError(f"{where}.statusSize {size} is not supported (only 1)")


def _entry_index(entry: JSONObject) -> int:
    raw = entry.get("statusListIndex")
    # The spec wants a base-10 string; 1EdTech's own fixtures use a JSON integer, so allow both.
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        return raw
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= _MAX_INDEX_DIGITS:
        return int(raw)
    raise StatusListError(f"statusListIndex is not a non-negative base-10 integer: {raw!r}")


def _check_id(document: JSONObject, url: str) -> None:
    if document.get("id") != url:
        raise StatusListError(f"the list's id {document.get('id')!r} is not {url!r}")


def _has_type(obj: JSONObject, wanted: str) -> bool:
    declared = obj.get("type")
    return declared == wanted or (isinstance(declared, list) and wanted in declared)


def _list_subject(list_credential: JSONObject, status_format: _Format) -> JSONObject:
    if not _has_type(list_credential, status_format.credential_type):
        raise StatusListError(f"the list credential is not a {status_format.credential_type}")
    subject: Any = list_credential.get("credentialSubject")
    if not isinstance(subject, dict) or not _has_type(subject, status_format.subject_type):
        raise StatusListError(f"the list's subject is not a {status_format.subject_type}")
    return subject


def _check_purpose(subject: JSONObject, purpose: str) -> None:
    # The list's statusPurpose is "one or more strings"; the entry's must be among them.
    declared = subject.get("statusPurpose")
    purposes = declared if isinstance(declared, list) else [declared]
    if purpose not in purposes:
        raise StatusListError(f"statusPurpose {purpose!r} is not the list's {declared!r}")


def read_1edtech_revocation(
    entry: JSONObject,
    revocation_list: JSONObject,
    credential_id: str,
    *,
    is_list_id_checked: bool = True,
) -> bool:
    """Tell whether a 1EdTech Revocation List revokes a credential.

    The list (``id``, ``issuer``, ``revokedCredentials``) is plain JSON fetched from the entry's
    ``id``; it carries no proof, so trust rests on that fetch. A credential is revoked when its
    ``id`` is listed and that item's ``revoked`` is true or omitted.
    https://www.imsglobal.org/spec/vcrl/v1p0/

    Args:
        entry: a ``credentialStatus`` of type ``1EdTechRevocationList``.
        revocation_list: the fetched list.
        credential_id: the ``id`` of the credential being verified.
        is_list_id_checked: require the list's ``id`` to equal the entry's ``id``.

    Returns:
        True if revoked.

    Raises:
        StatusListError: wrong entry type, id mismatch, or a malformed list.
    """
    if entry.get("type") != "1EdTechRevocationList":
        raise StatusListError(f"not a 1EdTechRevocationList entry: {entry.get('type')!r}")
    url = _require_str(entry, "id", "credentialStatus")
    if is_list_id_checked:
        _check_id(revocation_list, url)
    items: Any = revocation_list.get("revokedCredentials", [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise StatusListError("revokedCredentials must be an array of objects")
    if not all(isinstance(item.get("revoked", True), bool) for item in items):
        raise StatusListError("revokedCredentials[].revoked must be a boolean")
    # A reinstated credential may be listed with revoked=false; any true listing wins.
    return any(item.get("id") == credential_id and item.get("revoked", True) for item in items)
