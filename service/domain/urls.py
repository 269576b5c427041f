"""The public URL scheme: every URL Insigne publishes is built and parsed here, and only here.

Credentials carry these URLs for good, so the scheme is a contract: an issued badge's links
must keep resolving. Issuers are ``did:web:<host>:issuers:<slug>``, whose DID document is at
``/issuers/<slug>/did.json`` (did:web method, §3.2).
"""

import functools
import uuid
from dataclasses import dataclass
from typing import Literal, TypeVar
from urllib.parse import urlsplit

from openbadges.dids import url_to_did_web

CredentialSuffix = Literal["", ".json", ".jwt", ".png", ".svg"]
SUFFIXES: tuple[CredentialSuffix, ...] = ("", ".json", ".jwt", ".png", ".svg")


@dataclass(frozen=True)
class CredentialRef:
    id: uuid.UUID
    suffix: CredentialSuffix = ""


@dataclass(frozen=True)
class EvidenceRef:
    id: uuid.UUID


@dataclass(frozen=True)
class StatusListRef:
    id: uuid.UUID


@dataclass(frozen=True)
class AchievementRef:
    slug: str


@dataclass(frozen=True)
class IssuerRef:
    """The issuer's OB Profile (``/issuers/<slug>``) or, with ``did``, its DID document."""

    slug: str
    is_did_document: bool = False


@dataclass(frozen=True)
class TranscriptRef:
    id: uuid.UUID


@dataclass(frozen=True)
class KeyRef:
    slug: str
    name: str


_Ref = TypeVar("_Ref", CredentialRef, EvidenceRef, StatusListRef, TranscriptRef)
Reference = (
    CredentialRef
    | EvidenceRef
    | StatusListRef
    | AchievementRef
    | IssuerRef
    | KeyRef
    | TranscriptRef
)


@dataclass(frozen=True)
class Urls:
    """Builds and parses the URLs under `base` (the service's public URL, no trailing slash)."""

    base: str

    def credential(self, credential_id: uuid.UUID, suffix: CredentialSuffix = "") -> str:
        return f"{self.base}/credentials/{credential_id}{suffix}"

    def credential_card(self, credential_id: uuid.UUID) -> str:
        """The 1200×630 link-preview picture (``og:image``) of a badge page."""
        return f"{self.base}/credentials/{credential_id}/card.png"

    def credential_qr(self, credential_id: uuid.UUID, extension: Literal["svg", "png"]) -> str:
        return f"{self.base}/credentials/{credential_id}/qr.{extension}"

    def manage(self, credential_id: uuid.UUID, token: str) -> str:
        """The earner's private management link (the token is a path segment, never a query)."""
        return f"{self.base}/credentials/{credential_id}/manage/{token}"

    def transcript(self, transcript_id: uuid.UUID) -> str:
        """A signed continuing-education transcript (CLR 2.0), as its QR code links it."""
        return f"{self.base}/transcripts/{transcript_id}"

    def achievement_image(self, slug: str, extension: Literal["svg", "png"] = "svg") -> str:
        """The designed picture of an achievement that has no image of its own."""
        return f"{self.base}/achievements/{slug}/image.{extension}"

    def image(self, sha256: str, extension: Literal["svg", "png"]) -> str:
        """An uploaded picture, named by its content: the URL never changes meaning."""
        return f"{self.base}/images/{sha256}.{extension}"

    def own(self, url: str | None) -> str | None:
        """`url` if it is under `base` (ours to serve), else None: pages load nothing else."""
        return url if url is not None and url.startswith(f"{self.base}/") else None

    def is_own_image(self, url: str) -> bool:
        """Whether `url` is one of the pictures we keep and serve (see `image`)."""
        return url.startswith(f"{self.base}/images/")

    def verify_page(self) -> str:
        return f"{self.base}/verify"

    def evidence(self, evidence_id: uuid.UUID) -> str:
        return f"{self.base}/evidence/{evidence_id}"

    def status_list(self, list_id: uuid.UUID) -> str:
        return f"{self.base}/status/{list_id}"

    def achievement(self, slug: str) -> str:
        return f"{self.base}/achievements/{slug}"

    def issuer(self, slug: str) -> str:
        return f"{self.base}/issuers/{slug}"

    def issuer_did(self, slug: str) -> str:
        return url_to_did_web(self.issuer(slug))

    def did_document(self, slug: str) -> str:
        return f"{self.issuer(slug)}/did.json"

    @functools.cached_property
    def did_prefix(self) -> str:
        """What every hosted issuer's DID starts with (``did:web:<host>:issuers:``)."""
        return url_to_did_web(f"{self.base}/issuers") + ":"

    @staticmethod
    def parse_credential(segment: str) -> CredentialRef | None:
        """A ``/credentials/<segment>`` path segment: an id, optionally with a suffix."""
        return _credential(segment) if _is_segment(segment) else None

    def parse(self, url: str) -> Reference | None:
        """What a URL (or one of our DIDs) names, or None when it is not one of ours."""
        if url.startswith(self.did_prefix):
            slug = url.removeprefix(self.did_prefix).split("#", 1)[0]
            return IssuerRef(slug, is_did_document=True) if _is_segment(slug) else None
        if not url.startswith(self.base + "/"):
            return None
        parts = urlsplit(url).path.removeprefix(urlsplit(self.base).path).strip("/").split("/")
        return _route(parts)


def _route(parts: list[str]) -> Reference | None:
    if not all(_is_segment(part) for part in parts):
        return None
    match parts:
        case ["credentials", name]:
            return _credential(name)
        case ["evidence", name]:
            return _with_id(name, EvidenceRef)
        case ["status", name]:
            return _with_id(name, StatusListRef)
        case ["transcripts", name]:
            return _with_id(name, TranscriptRef)
        case ["achievements", slug]:
            return AchievementRef(slug)
        case ["issuers", slug]:
            return IssuerRef(slug)
        case ["issuers", slug, "did.json"]:
            return IssuerRef(slug, is_did_document=True)
        case ["issuers", slug, "keys", name]:
            return KeyRef(slug, name)
    return None


def _credential(name: str) -> CredentialRef | None:
    stem, dot, extension = name.partition(".")
    suffix = f".{extension}" if dot else ""
    for known in SUFFIXES:
        if suffix == known:
            ref = _with_id(stem, CredentialRef)
            return CredentialRef(ref.id, known) if ref else None
    return None


def _with_id(text: str, kind: type[_Ref]) -> _Ref | None:
    try:
        return kind(uuid.UUID(text))
    except ValueError:
        return None


def _is_segment(text: str) -> bool:
    return bool(text) and "\x00" not in text and text not in (".", "..")
