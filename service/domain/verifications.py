"""Verifying any Open Badges credential for employers: a link, JSON, a JWT or a baked image.

The library does the checks; this module decides where documents come from. Insigne's own
issuers, keys and status lists come from the database (no network call); did:key and did:jwk
are resolved locally; anything else goes through the safe outbound fetcher.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from openbadges.dids import did_web_to_url, resolve_did_jwk, resolve_did_key
from openbadges.errors import InvalidDocument, KeyResolutionError
from openbadges.jsontypes import JSONObject
from openbadges.verification import Check, VerificationResult, verify
from service.domain.awards import AwardService
from service.domain.clock import Clock, utc_now
from service.domain.errors import FieldProblem, InvalidInput, NotFound, UnreachableDocument
from service.domain.issuers import IssuerService
from service.domain.messages import Language, localise
from service.domain.status_lists import StatusListService


class Fetcher(Protocol):
    async def get_json(self, url: str) -> Any: ...  # noqa: ANN401 - JSON


@dataclass(frozen=True)
class Submission:
    """What an employer sent: exactly one of the forms, and optionally an e-mail to match."""

    credential: JSONObject | None = None
    jwt: str | None = None
    url: str | None = None
    image: bytes | None = None
    recipient_email: str | None = None


@dataclass(frozen=True)
class Report:
    verified: bool
    checks: tuple[dict[str, Any], ...]
    summary: dict[str, Any]
    format: Literal["json-ld", "jwt"] | None


class ServiceResolver:
    """The library's DocumentResolver, backed by the database and the outbound fetcher."""

    def __init__(
        self,
        issuers: IssuerService,
        status_lists: StatusListService,
        awards: AwardService,
        fetcher: Fetcher,
        public_url: str,
        http_hosts: frozenset[str] = frozenset(),
    ) -> None:
        self._http_hosts = http_hosts
        self._issuers = issuers
        self._awards = awards
        self._status_lists = status_lists
        self._fetcher = fetcher
        self._public_url = public_url
        self._own_did_prefix = issuers.did_prefix

    async def resolve(self, url: str) -> JSONObject | str:
        try:
            if url.startswith("did:key:"):
                return resolve_did_key(url)
            if url.startswith("did:jwk:"):
                return resolve_did_jwk(url)
            if own := await self._own(url):
                return own
            if url.startswith("did:web:"):
                return await self._fetch(self._did_web_location(url.split("#", 1)[0]))
            if url.startswith(("https://", "http://")):
                return await self._fetch(url.split("#", 1)[0])
        except (InvalidDocument, NotFound, ValueError) as error:
            raise KeyResolutionError(f"{url}: {error}") from None
        raise KeyResolutionError(f"cannot resolve {url!r}: unsupported identifier")

    async def _own(self, url: str) -> JSONObject | None:
        """Documents this instance publishes, read from the database."""
        if url.startswith(self._own_did_prefix):
            return await self._issuers.controller_document(
                url.removeprefix(self._own_did_prefix).split("#")[0]
            )
        if not url.startswith(self._public_url + "/"):
            return None
        parts = urlsplit(url).path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "credentials":
            award = await self._awards.get(uuid.UUID(parts[1].removesuffix(".json")))
            if award is None:
                raise NotFound("no such credential")
            return award.document
        if len(parts) == 2 and parts[0] == "status":
            return await self._status_lists.signed_list_credential(
                uuid.UUID(parts[1]), self._issuers
            )
        if len(parts) == 4 and parts[0] == "issuers" and parts[2] == "keys":
            return await self._issuers.public_jwk(parts[1], parts[3])
        return None

    def _did_web_location(self, did: str) -> str:
        """did:web is https; hosts allowed plain HTTP in settings (development) get http."""
        location = did_web_to_url(did)
        host = urlsplit(location).hostname
        return did_web_to_url(did, scheme="http") if host in self._http_hosts else location

    async def _fetch(self, location: str) -> JSONObject | str:
        try:
            document = await self._fetcher.get_json(location)
        except UnreachableDocument as error:
            raise KeyResolutionError(str(error)) from None
        if not isinstance(document, dict | str):
            raise KeyResolutionError(f"{location} did not return a JSON object or a VC-JWT")
        return document


class VerificationService:
    def __init__(
        self,
        *,
        issuers: IssuerService,
        status_lists: StatusListService,
        awards: AwardService,
        fetcher: Fetcher,
        public_url: str,
        trusted_issuers: frozenset[str] = frozenset(),
        http_hosts: frozenset[str] = frozenset(),
        clock: Clock = utc_now,
    ) -> None:
        self._resolver = ServiceResolver(
            issuers, status_lists, awards, fetcher, public_url, http_hosts
        )
        self._issuers = issuers
        self._trusted = trusted_issuers
        self._clock = clock

    async def verify(self, submission: Submission, language: Language = "en") -> Report:
        data = await self._input(submission)
        now: datetime = self._clock()
        result = await verify(
            data, resolver=self._resolver, now=now, recipient=submission.recipient_email
        )
        checks = [*result.checks, await self._known_issuer(result)]
        verified = result.verified
        return Report(
            verified=verified,
            checks=tuple(localise(check, language) for check in checks),
            summary=_summary(result.credential),
            format=result.format,
        )

    async def _input(self, submission: Submission) -> JSONObject | str | bytes:
        given = [
            v
            for v in (submission.credential, submission.jwt, submission.url, submission.image)
            if v is not None
        ]
        if len(given) != 1:
            raise InvalidInput(
                [FieldProblem("body", "send exactly one of credential, jwt, url or an image")]
            )
        if submission.url is not None:
            return await self._from_link(submission.url)
        value = given[0]
        return value if isinstance(value, dict | str | bytes) else str(value)

    async def _from_link(self, url: str) -> JSONObject | str:
        """A badge link: Insigne's own from the database, another issuer's over the network."""
        try:
            document = await self._resolver.resolve(url)
        except KeyResolutionError as error:
            raise InvalidInput([FieldProblem("url", str(error))]) from None
        return document

    async def _known_issuer(self, result: VerificationResult) -> Check:
        issuer = (result.credential or {}).get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if not isinstance(issuer_id, str):
            return Check("known-issuer", "skipped", "the credential names no issuer")
        prefix = self._issuers.did_prefix
        if issuer_id.startswith(prefix) and await self._issuers.find(
            issuer_id.removeprefix(prefix)
        ):
            return Check(
                "known-issuer",
                "passed",
                "issued by an issuer this Insigne hosts",
                {"issuer": issuer_id},
            )
        if issuer_id in self._trusted:
            return Check(
                "known-issuer",
                "passed",
                "the issuer is in the configured trust list",
                {"issuer": issuer_id},
            )
        return Check(
            "known-issuer",
            "warning",
            "the issuer is neither hosted here nor in the trust list",
            {"issuer": issuer_id},
        )


def _summary(credential: JSONObject | None) -> dict[str, Any]:
    """What a person wants to read first: which badge, from whom, to whom, when."""
    if not credential:
        return {}
    issuer = credential.get("issuer")
    subject = credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    subject = subject if isinstance(subject, dict) else {}
    found = subject.get("achievement")
    achievement: dict[str, Any] = found if isinstance(found, dict) else {}
    identifiers = subject.get("identifier")
    names = [
        i.get("identityHash")
        for i in (identifiers if isinstance(identifiers, list) else [])
        if isinstance(i, dict) and i.get("identityType") == "name" and i.get("hashed") is False
    ]
    return {
        "id": credential.get("id"),
        "name": credential.get("name"),
        "achievement": {"id": achievement.get("id"), "name": achievement.get("name")},
        "issuer": {"id": issuer.get("id"), "name": issuer.get("name")}
        if isinstance(issuer, dict)
        else {"id": issuer},
        "recipient": {"id": subject.get("id"), "name": names[0] if names else None},
        "validFrom": credential.get("validFrom") or credential.get("issuanceDate"),
        "validUntil": credential.get("validUntil") or credential.get("expirationDate"),
        "awardedDate": credential.get("awardedDate"),
    }
