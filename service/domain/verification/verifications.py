"""Verifying any Open Badges credential for employers: a link, JSON, a JWT or a baked image.

The library does the checks; this module decides where documents come from. Insigne's own
issuers, keys and status lists come from the database (no network call); did:key and did:jwk
are resolved locally; anything else goes through the safe outbound fetcher.

Each verification has a budget (`VerificationLimits`): documents fetched over the network
(own documents read from the database do not count: they cost no outbound request and are
bounded by the status-entry and key limits), status entries, keys tried per document, and a
wall-clock cap. Within one verification a document is resolved once. What runs out is a
``budget`` check and makes the verdict "unverifiable".
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

import anyio

from openbadges import ProofMemo, decode_jwt_header, work_lane
from openbadges.dids import did_web_to_url, resolve_did_jwk, resolve_did_key
from openbadges.errors import DocumentUnavailable, InvalidDocument, KeyResolutionError
from openbadges.jsontypes import JSONObject, copy_json
from openbadges.verification import Budget, Check, VerificationResult, verify
from openbadges.verification.causes import cause_of
from openbadges.verification.report import Verdict
from openbadges.verification.wording import headline
from service.domain.clock import Clock, utc_now
from service.domain.credentials import transcript_lines
from service.domain.errors import FieldProblem, InvalidInput, NotFound, UnreachableDocument
from service.domain.messages import Language, localise
from service.domain.texts import Said
from service.domain.verification.fetched import Gone
from service.domain.verification.issuer_registries import RegistryEntry


class Fetcher(Protocol):
    async def get_json(self, url: str) -> Any: ...  # noqa: ANN401 - JSON

    async def get_json_or_gone(self, url: str) -> Any:  # noqa: ANN401 - JSON
        """`get_json`, with a ``410 Gone`` answer returned as a `Gone` instead of an error."""


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
    verdict: Verdict
    verdict_reason: str | None
    headline: str
    checks: tuple[dict[str, Any], ...]
    summary: dict[str, Any]
    format: Literal["json-ld", "jwt"] | None


class OwnDocuments(Protocol):
    """The documents this instance publishes, read from its database (no network call)."""

    async def resolve(self, url: str) -> JSONObject | None:
        """The document at `url`, or None when `url` is not one of ours."""

    async def hosts_issuer(self, issuer_id: str) -> bool:
        """Whether `issuer_id` names an issuer hosted here."""

    async def admit(self, issuer: str | None = None) -> None:
        """Refuse (`Unauthorized`) a bearer token whose client may no longer act, if one came.

        `issuer` is the issuer the badge claims (unverified): if it is one of ours, the
        documents it publishes may be read with the caller's client, in one statement.
        """


@dataclass(frozen=True)
class VerificationLimits:
    """One verification's budget (settings ``INSIGNE_VERIFY_*``)."""

    max_fetches: int = 20
    max_status_entries: int = 10
    max_keys: int = 10
    timeout_seconds: float = 10.0

    def budget(self) -> Budget:
        return Budget(
            max_fetches=self.max_fetches,
            max_status_entries=self.max_status_entries,
            max_keys=self.max_keys,
        )


class ServiceResolver:
    """The library's DocumentResolver for one verification, within its budget and time.

    Own documents come from the database, others are fetched; each URL is resolved once.
    """

    def __init__(
        self,
        own: OwnDocuments,
        fetcher: Fetcher,
        http_hosts: frozenset[str] = frozenset(),
        *,
        budget: Budget | None = None,
        timeout_seconds: float | None = None,
    ) -> None:
        self._own = own
        self._fetcher = fetcher
        self._http_hosts = http_hosts
        self._budget = budget or Budget()
        self._timeout = timeout_seconds
        self._deadline = None if timeout_seconds is None else anyio.current_time() + timeout_seconds
        self._seen: dict[str, JSONObject | str] = {}

    @property
    def budget(self) -> Budget:
        return self._budget

    def recalled_controller(self, did: str) -> JSONObject | None:
        """The controller document this verification already resolved for `did`, or None."""
        document = self._seen.get(did)
        if isinstance(document, dict) and "verificationMethod" in document:
            return _copy(document)
        return None

    async def resolve(self, url: str) -> JSONObject | str:
        if url not in self._seen:
            self._seen[url] = await self._resolve(url)
        # The library may keep or change what it gets; each caller has its own copy.
        return _copy(self._seen[url])

    async def _resolve(self, url: str) -> JSONObject | str:
        try:
            if url.startswith("did:key:"):
                return resolve_did_key(url)
            if url.startswith("did:jwk:"):
                return resolve_did_jwk(url)
            self._seconds_left()
            if (own := await self._own.resolve(url)) is not None:
                return own
            if url.startswith("did:web:"):
                return await self._fetch(self._did_web_location(url.split("#", 1)[0]))
            if url.startswith(("https://", "http://")):
                return await self._fetch(url.split("#", 1)[0], is_gone_read=True)
        except (InvalidDocument, NotFound, ValueError) as error:
            raise KeyResolutionError(f"{url}: {error}") from None
        # Not a forgery: this verifier cannot look the identifier up (e.g. did:velocity).
        raise DocumentUnavailable(f"cannot resolve {url!r}: unsupported identifier")

    def _did_web_location(self, did: str) -> str:
        """did:web is https; hosts allowed plain HTTP in settings (development) get http."""
        location = did_web_to_url(did)
        host = urlsplit(location).hostname
        return did_web_to_url(did, scheme="http") if host in self._http_hosts else location

    def _seconds_left(self) -> float:
        """Seconds until the deadline; raises `BudgetExhausted` once it has passed."""
        if self._deadline is None:
            return float("inf")
        left = self._deadline - anyio.current_time()
        if left <= 0:
            raise self._out_of_time()
        return left

    def _out_of_time(self) -> DocumentUnavailable:
        return self._budget.exhaust(
            "time", f"stopped after {self._timeout} seconds", self._timeout or 0.0
        )

    async def _fetch(self, location: str, *, is_gone_read: bool = False) -> JSONObject | str:
        left = self._seconds_left()
        self._budget.spend_fetch()
        try:
            with anyio.fail_after(left):
                if is_gone_read:
                    document = _revocation_notice(await self._fetcher.get_json_or_gone(location))
                else:
                    document = await self._fetcher.get_json(location)
        except TimeoutError:
            raise self._out_of_time() from None
        except UnreachableDocument as error:
            raise DocumentUnavailable(str(error)) from None
        if not isinstance(document, dict | str):
            raise KeyResolutionError(f"{location} did not return a JSON object or a VC-JWT")
        return document


_Document = TypeVar("_Document", JSONObject, JSONObject | str)


def _claimed_issuer(submission: Submission) -> str | None:
    """The issuer a submitted credential or VC-JWT names, unchecked: a hint, never trusted.

    A VC-JWT's is read from its header's ``kid`` alone (the payload is the pipeline's to read).
    """
    if submission.credential is not None:
        issuer = submission.credential.get("issuer")
        issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
        return issuer if isinstance(issuer, str) else None
    if submission.jwt is None:
        return None
    try:
        kid = decode_jwt_header(submission.jwt).get("kid")
    except InvalidDocument:
        return None
    return kid.split("#", 1)[0] if isinstance(kid, str) else None


def _copy(document: _Document) -> _Document:
    """A deep copy of a JSON document (a VC-JWT's text is immutable as it is)."""
    return document if isinstance(document, str) else copy_json(document)


def _revocation_notice(document: Any) -> Any:  # noqa: ANN401 - JSON
    """An OB 2.0 revoked assertion's 410 body is the document; any other 410 is unreachable.

    OB 2.0 §Hosted verification: the issuer answers 410 Gone with ``"revoked": true``; the
    library reads that flag from the document it is given, so the body is handed over.
    """
    if not isinstance(document, Gone):
        return document
    if isinstance(document.body, dict) and document.body.get("revoked") is True:
        return document.body
    raise UnreachableDocument(Said("document-gone", url=document.url))


class VerificationService:
    """Verifies what employers send; opens no unit of work of its own but `own`'s short reads."""

    def __init__(
        self,
        *,
        own: OwnDocuments,
        fetcher: Fetcher,
        trusted_issuers: frozenset[str] = frozenset(),
        issuer_registries: Mapping[str, RegistryEntry] | None = None,
        http_hosts: frozenset[str] = frozenset(),
        clock: Clock = utc_now,
        limits: VerificationLimits | None = None,
        status_list_proofs: ProofMemo | None = None,
        credential_proofs: ProofMemo | None = None,
    ) -> None:
        self._own = own
        self._status_list_proofs = status_list_proofs
        self._credential_proofs = credential_proofs
        self._fetcher = fetcher
        self._http_hosts = http_hosts
        self._trusted = trusted_issuers
        self._registries = issuer_registries or {}
        self._clock = clock
        self._limits = limits or VerificationLimits()

    async def verify(
        self, submission: Submission, language: Language = "en", *, caller: str | None = None
    ) -> Report:
        """The report on `submission`; `caller`'s slow steps wait only behind its own."""
        await self._own.admit(_claimed_issuer(submission))
        with work_lane(caller):
            return await self._verify(submission, language)

    async def _verify(self, submission: Submission, language: Language) -> Report:
        resolver = ServiceResolver(
            self._own,
            self._fetcher,
            self._http_hosts,
            budget=self._limits.budget(),
            timeout_seconds=self._limits.timeout_seconds,
        )
        result = await self._within_budget(submission, resolver)
        known = await self._known_issuer(result)
        checks = [*result.checks, known]
        compromise = await self._key_compromise(result, resolver)
        checks = [*checks, compromise]
        decisive = result.verdict_check
        if compromise.status == "failed":  # a valid signature, by a key no longer trusted
            return Report(
                verified=False,
                verdict="invalid",
                verdict_reason=compromise.code,
                headline=_COMPROMISED[language],
                checks=tuple(localise(check, language) for check in checks),
                summary=summarise(result, language),
                format=result.format,
            )
        return Report(
            verified=result.verified,
            verdict=result.verdict,
            verdict_reason=decisive.code if decisive is not None else None,
            headline=_headline(result, known, language),
            checks=tuple(localise(check, language) for check in checks),
            summary=summarise(result, language),
            format=result.format,
        )

    async def _within_budget(
        self, submission: Submission, resolver: "ServiceResolver"
    ) -> VerificationResult:
        """The library's report, cut short when the budget runs out, which it then says."""
        budget, timeout = resolver.budget, self._limits.timeout_seconds
        # Fetches stop at the deadline; this backstop also cuts anything else that hangs.
        with anyio.move_on_after(timeout + _GRACE_SECONDS):
            data = await self._input(submission, resolver)
            now: datetime = self._clock()
            if isinstance(data, VerificationResult):
                result = data
            else:
                result = await verify(
                    data,
                    resolver=resolver,
                    now=now,
                    recipient=submission.recipient_email,
                    budget=budget,
                    status_list_proofs=self._status_list_proofs,
                    credential_proofs=self._credential_proofs,
                )
            missing = [c for c in budget.checks_since(0) if c not in result.checks]
            return replace(result, checks=(*result.checks, *missing))
        budget.exhaust("time", f"stopped after {timeout} seconds", timeout)
        return VerificationResult(checks=budget.checks_since(0))

    async def _input(
        self, submission: Submission, resolver: ServiceResolver
    ) -> JSONObject | str | bytes | VerificationResult:
        given = [
            v
            for v in (submission.credential, submission.jwt, submission.url, submission.image)
            if v is not None
        ]
        if len(given) != 1:
            raise InvalidInput([FieldProblem("body", Said("verification-one-input"))])
        if submission.url is not None:
            return await self._from_link(submission.url, resolver)
        value = given[0]
        return value if isinstance(value, dict | str | bytes) else str(value)

    async def _from_link(
        self, url: str, resolver: ServiceResolver
    ) -> JSONObject | str | VerificationResult:
        """A badge link: Insigne's own from the database, another issuer's over the network.

        A link that does not answer gives an "unverifiable" report, not an error: the badge
        may well be valid, and the employer needs to be told so.
        """
        if not url.startswith(("https://", "http://", "did:")):
            raise InvalidInput([FieldProblem("url", Said("not-a-badge-link", url=url))])
        try:
            document = await resolver.resolve(url)
        except DocumentUnavailable as error:
            check = Check("format", "failed", str(error), {"url": url}, cause_of(error))
            return VerificationResult(checks=(check,))
        except KeyResolutionError as error:
            raise InvalidInput(
                [FieldProblem("url", Said("url-unresolvable", reason=str(error)))]
            ) from None
        return document

    async def _key_compromise(
        self, result: VerificationResult, resolver: "ServiceResolver"
    ) -> Check:
        """A proof made on or after its key's compromise date (the method's ``revoked``).

        The controller document the proof was checked with is read again only when this
        verification did not resolve it already.
        """
        proofs = (result.credential or {}).get("proof") if result.is_proven else None
        proofs = proofs if isinstance(proofs, list) else [proofs] if proofs else []
        for proof in proofs:
            method_id = proof.get("verificationMethod") if isinstance(proof, dict) else None
            if not isinstance(method_id, str) or "#" not in method_id:
                continue
            controller = method_id.split("#", 1)[0]
            document = resolver.recalled_controller(controller)
            document = document or await self._own.resolve(controller)
            methods = (document or {}).get("verificationMethod") or []
            revoked = next(
                (m.get("revoked") for m in methods if isinstance(m, dict) and m["id"] == method_id),
                None,
            )
            created = str(proof.get("created", ""))
            if revoked and created and _instant(created) >= _instant(str(revoked)):
                return Check(
                    "key-compromise",
                    "failed",
                    f"signed on {created} with {method_id}, compromised as of {revoked}",
                    {"verificationMethod": method_id, "created": created, "revoked": revoked},
                )
        return Check("key-compromise", "passed", "no proof by a key marked compromised")

    async def _known_issuer(self, result: VerificationResult) -> Check:
        if not result.is_proven:
            # An unproven issuer id may be forged: looking it up would lend it credit.
            return Check("known-issuer", "skipped", "not looked up: the signature was not proven")
        issuer = (result.credential or {}).get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if not isinstance(issuer_id, str):
            return Check("known-issuer", "skipped", "the credential names no issuer")
        if await self._own.hosts_issuer(issuer_id):
            return Check(
                "known-issuer",
                "passed",
                "issued by an issuer this Insigne hosts",
                {"issuer": issuer_id, "knownBy": "hosted"},
            )
        if issuer_id in self._trusted:
            return Check(
                "known-issuer",
                "passed",
                "the issuer is in the configured trust list",
                {"issuer": issuer_id, "knownBy": "trusted"},
            )
        if (entry := self._registries.get(issuer_id)) is not None:
            return Check(
                "known-issuer",
                "passed",
                f"the issuer is listed as {entry.name!r} in the registry {entry.registry!r}",
                {
                    "issuer": issuer_id,
                    "knownBy": "registry",
                    "registry": entry.registry,
                    "registeredName": entry.name,
                    **({"registeredUrl": entry.url} if entry.url else {}),
                },
            )
        vouching = vouching_domain(issuer_id)
        return Check(
            "known-issuer",
            "warning",
            "the issuer's identity is unconfirmed: neither hosted here, nor trusted, nor in a "
            "loaded registry"
            + (f"; the domain {vouching} published its key" if vouching else "; only its key"),
            {"issuer": issuer_id, **({"domain": vouching} if vouching else {})},
        )


def vouching_domain(issuer_id: str) -> str | None:
    """The domain that vouches for an issuer id: did:web's host, or an https URL's.

    did:key and did:jwk are nothing but a key, which anyone can make and name as they please.
    """
    if issuer_id.startswith("did:web:"):
        return unquote(issuer_id.removeprefix("did:web:").split(":", 1)[0].split("#", 1)[0])
    if issuer_id.startswith(("https://", "http://")):
        return urlsplit(issuer_id).hostname
    return None


_HEADLINE = {
    "en": {
        "confirmed": "This badge is authentic and valid: {what}. The issuer's identity is "
        "confirmed: {how}.",
        "unconfirmed": "This badge is intact and was signed with the key of the issuer it "
        "names, but that issuer's identity is unconfirmed: “{claimed}” is the name it gives "
        "itself. {known}",
        "domain": "What is known: the site {domain} published the signing key.",
        "key-only": "What is known: nothing but the key itself, which anyone can make and "
        "give any name.",
        "unnamed": "(no name)",
        "hosted": "it is hosted by this service",
        "trusted": "it is on this service's list of trusted issuers",
        "registry": "the registry “{registry}” lists it as “{name}”",
        "reservations": " Reservations are listed below.",
    },
    "fr": {
        "confirmed": "Ce badge est authentique et valide : {what}. L'identité de l'émetteur "
        "est confirmée : {how}.",
        "unconfirmed": "Ce badge est intact et a été signé avec la clé de l'émetteur qu'il "
        "nomme, mais l'identité de cet émetteur n'est pas confirmée : « {claimed} » est le "
        "nom qu'il se donne. {known}",
        "domain": "Ce qu'on sait : le site {domain} a publié la clé de signature.",
        "key-only": "Ce qu'on sait : rien d'autre que la clé elle-même, que n'importe qui "
        "peut créer et nommer à sa guise.",
        "unnamed": "(sans nom)",
        "hosted": "il est hébergé par ce service",
        "trusted": "il figure dans la liste des émetteurs de confiance de ce service",
        "registry": "le registre « {registry} » le répertorie sous le nom « {name} »",
        "reservations": " Des réserves sont indiquées ci-dessous.",
    },
}


def _headline(result: VerificationResult, known: Check, language: Language) -> str:
    """The library's sentence, except that a valid badge says what is proven of its issuer.

    A valid signature by a key the issuer's identifier lists proves the badge intact and
    who signed it, not that the name the issuer gives itself is true: only a confirmed
    issuer (hosted, trusted, in a registry) is named as fact.
    """
    if result.verdict != "valid" or known.status not in ("passed", "warning"):
        return headline(result, language)
    words = _HEADLINE[language]
    reservations = any(
        check.status == "warning" and check.code != "known-issuer" for check in result.checks
    )
    tail = words["reservations"] if reservations else ""
    if known.status == "warning":
        issuer = (result.credential or {}).get("issuer")
        claimed = issuer.get("name") if isinstance(issuer, dict) else None
        domain = known.detail.get("domain")
        return (
            words["unconfirmed"].format(
                claimed=claimed if isinstance(claimed, str) and claimed else words["unnamed"],
                known=words["domain"].format(domain=domain) if domain else words["key-only"],
            )
            + tail
        )
    plain = headline(result, language)  # "… authentic and valid[, with …]: <what>."
    what = plain.split(" : " if language == "fr" else ": ", 1)[-1].removesuffix(".")
    how = words[str(known.detail.get("knownBy", "hosted"))].format(
        registry=known.detail.get("registry"), name=known.detail.get("registeredName")
    )
    return words["confirmed"].format(what=what, how=how) + tail


_GRACE_SECONDS = 1.0
"""How long past its time a verification may take to finish what it has (no more fetches)."""
_COMPROMISED = {
    "en": "This badge is not valid. It was signed with a key its issuer reported compromised.",
    "fr": "Ce badge n'est pas valide. Il a été signé avec une clé que son émetteur a "
    "déclarée compromise.",
}


def _instant(text: str) -> datetime:
    """An XSD dateTime; one that does not parse counts as the latest (so as compromised)."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime.max.replace(tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_UNVERIFIED_NOTICE = {
    "en": "The signature was not proven: what follows is what the badge claims, not "
    "established facts.",
    "fr": "La signature n'a pas été prouvée : ce qui suit est ce que le badge affirme, "
    "non des faits établis.",
}


def summarise(result: VerificationResult, language: Language = "en") -> dict[str, Any]:
    """The summary; when no signature was proven, the claims are set apart and marked.

    A forged name must never read as fact, so an unproven badge's summary holds only
    ``unverifiedClaims`` (from the payload of a tampered VC-JWT too) and a notice.
    """
    if result.is_proven:
        return {**_summary(result.credential), **_transcript(result)}
    claims = _summary(result.credential or result.unverified_credential)
    if not claims:
        return {}
    return {"unverified": True, "notice": _UNVERIFIED_NOTICE[language], "unverifiedClaims": claims}


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
        **_hours(credential),
    }


def _transcript(result: VerificationResult) -> dict[str, Any]:
    """A transcript's (CLR 2.0) total hours, recomputed from the held badges that verified."""
    if not result.embedded:
        return {}
    valid = [r.credential for r in result.embedded if r.verified and r.credential]
    summary = transcript_lines.summarise(valid)
    return {
        "transcript": {
            "credentials": len(result.embedded),
            "valid": len(valid),
            "hours": summary.total_hours,
            "obligationHours": summary.obligation_hours,
        }
    }


def _hours(credential: JSONObject) -> dict[str, Any]:
    """A badge's continuing-education hours: its ``creditsEarned`` (docs/hours.md)."""
    hours = transcript_lines.hours_of(credential)
    return {"hours": hours} if hours is not None else {}
