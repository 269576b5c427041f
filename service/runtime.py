"""The runtime, built once per process, and the one place domain services are wired.

`Runtime.build` is called by `create_app`, the command line, workers and the tests; every face
(REST, pages, GraphQL, the CLI) reaches the domain through `Runtime.read` and `Runtime.write`,
which open a unit of work and hand back the services built on it by `build_services`.
"""

import functools
import hashlib
import hmac
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cryptography.exceptions import InvalidTag
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from openbadges import ProofMemo
from openbadges.jsontypes import JSONObject
from service.db.engine import Database, head_revision
from service.db.outages import RETRY_AFTER, is_outage
from service.domain.catalogue.achievements import AchievementService
from service.domain.catalogue.admin import AchievementAdministration
from service.domain.catalogue.images import ImageService
from service.domain.catalogue.tracks import TrackService
from service.domain.clients.admin import ClientAdministration
from service.domain.clients.audit_log import AuditLog
from service.domain.clients.clients import ClientService, Principal, TokenClaims
from service.domain.clients.outbox import Outbox
from service.domain.clients.visibility import Viewer
from service.domain.clients.webhooks import WebhookService
from service.domain.clock import Clock, utc_now
from service.domain.credentials.awards import AwardService
from service.domain.credentials.earner_controls import EarnerControls
from service.domain.credentials.lifecycle import CredentialLifecycle
from service.domain.credentials.publications import Publications
from service.domain.credentials.registry import CredentialRegistry
from service.domain.credentials.status_lists import PublishedLists, StatusListService
from service.domain.credentials.transcripts import TranscriptService
from service.domain.errors import NotFound, Unavailable
from service.domain.issuers.admin import IssuerAdministration
from service.domain.issuers.epochs import Epoch, PublishedDocuments
from service.domain.issuers.issuers import IssuerService
from service.domain.issuers.kek import newest_sealed
from service.domain.issuers.keys import KeyAdministration
from service.domain.issuers.keyvault import KeyVault
from service.domain.issuers.signer import Signer
from service.domain.portfolios.badge_pages import BadgePages
from service.domain.portfolios.organisation_stats import StatsService
from service.domain.portfolios.portfolios import PortfolioService
from service.domain.texts import Said
from service.domain.urls import IssuerRef, StatusListRef, TranscriptRef, Urls
from service.domain.verification.issuer_registries import RegistryEntry, load_registries
from service.domain.verification.verifications import VerificationLimits, VerificationService
from service.domain.wallet.services import WalletServices, wallet_services
from service.domain.xapi.intake import XapiIntake
from service.domain.xapi.mappings import XapiMappings
from service.limits import RateLimits, TrustedProxies
from service.outbound import SafeFetcher
from service.settings import Settings, read_key_ring

CREDENTIAL_PROOFS = 256
"""Credentials whose proofs a process remembers (the most recently verified)."""


class Services:
    """The domain services of one unit of work, for one caller (None: anonymous).

    Each service is built when first used and then kept for the unit: a completion's units
    build the four or five they use, not all of them, and services that share a collaborator
    (the issuers' key cache, the viewer) share one instance.
    """

    def __init__(
        self,
        session: AsyncSession,
        runtime: "Runtime",
        principal: Principal | None,
        *,
        is_operator: bool = False,
    ) -> None:
        self.principal = principal
        self._session = session
        self._runtime = runtime
        self._is_operator = is_operator

    @cached_property
    def viewer(self) -> Viewer:
        """Who is asking, as the visibility policy sees it: built once per unit."""
        return Viewer(principal=self.principal, is_operator=self._is_operator)

    @cached_property
    def issuers(self) -> IssuerService:
        runtime = self._runtime
        return IssuerService(
            self._session, signer=runtime.signer, urls=runtime.urls, clock=runtime.clock
        )

    @cached_property
    def status_lists(self) -> StatusListService:
        runtime = self._runtime
        return StatusListService(
            self._session,
            issuers=self.issuers,
            urls=runtime.urls,
            clock=runtime.clock,
            published_lists=runtime.published_lists,
        )

    @cached_property
    def achievements(self) -> AchievementService:
        return AchievementService(self._session, self._runtime.clock)

    @cached_property
    def awards(self) -> AwardService:
        runtime = self._runtime
        return AwardService(
            self._session,
            principal=self.principal,
            issuers=self.issuers,
            status_lists=self.status_lists,
            achievements=self.achievements,
            urls=runtime.urls,
            clock=runtime.clock,
            suspension_entry=runtime.settings.suspension_entry,
        )

    @cached_property
    def clients(self) -> ClientService:
        settings = self._runtime.settings
        return ClientService(
            self._session,
            token_secret=settings.token_secret,
            issuer_url=settings.public_url,
            ttl_seconds=settings.token_ttl_seconds,
            clock=self._runtime.clock,
        )

    @cached_property
    def publications(self) -> Publications:
        return Publications(
            issuers=self.issuers,
            status_lists=self.status_lists,
            awards=self.awards,
            achievements=self.achievements,
            urls=self._runtime.urls,
        )

    @cached_property
    def badge_pages(self) -> BadgePages:
        return BadgePages(self._session, urls=self._runtime.urls, clock=self._runtime.clock)

    @cached_property
    def earner_controls(self) -> EarnerControls:
        runtime = self._runtime
        return EarnerControls(
            self._session, principal=self.principal, urls=runtime.urls, clock=runtime.clock
        )

    @cached_property
    def portfolios(self) -> PortfolioService:
        return PortfolioService(self._session, principal=self.principal, urls=self._runtime.urls)

    @cached_property
    def stats(self) -> StatsService:
        return StatsService(self._session, self.portfolios.viewer)

    @cached_property
    def lifecycle(self) -> CredentialLifecycle:
        runtime = self._runtime
        return CredentialLifecycle(
            self._session,
            viewer=self.viewer,
            issuers=self.issuers,
            status_lists=self.status_lists,
            urls=runtime.urls,
            clock=runtime.clock,
        )

    @cached_property
    def webhooks(self) -> WebhookService:
        runtime = self._runtime
        return WebhookService(
            self._session,
            principal=self.principal,
            signer=runtime.signer,
            url_refusal=runtime.fetcher.refusal,
            clock=runtime.clock,
        )

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self._session, signer=self._runtime.signer, clock=self._runtime.clock)

    @cached_property
    def registry(self) -> CredentialRegistry:
        return CredentialRegistry(self._session, viewer=self.viewer, urls=self._runtime.urls)

    @cached_property
    def keys(self) -> KeyAdministration:
        return KeyAdministration(viewer=self.viewer, issuers=self.issuers)

    @cached_property
    def tracks(self) -> TrackService:
        return TrackService(
            self._session, viewer=self.viewer, issuers=self.issuers, clock=self._runtime.clock
        )

    @cached_property
    def audit(self) -> AuditLog:
        return AuditLog(self._session, viewer=self.viewer)

    @cached_property
    def issuer_admin(self) -> IssuerAdministration:
        return IssuerAdministration(
            self._session,
            viewer=self.viewer,
            issuers=self.issuers,
            clients=self.clients,
            images=self.images,
            urls=self._runtime.urls,
        )

    @cached_property
    def client_admin(self) -> ClientAdministration:
        return ClientAdministration(self._session, viewer=self.viewer, clients=self.clients)

    @cached_property
    def achievement_admin(self) -> AchievementAdministration:
        return AchievementAdministration(
            self._session,
            viewer=self.viewer,
            achievements=self.achievements,
            issuers=self.issuers,
            images=self.images,
            urls=self._runtime.urls,
            clock=self._runtime.clock,
        )

    @cached_property
    def images(self) -> ImageService:
        return ImageService(self._session, self._runtime.clock)

    @cached_property
    def xapi(self) -> XapiIntake:
        return XapiIntake(
            self._session,
            principal=self.principal,
            achievements=self.achievements,
            clock=self._runtime.clock,
        )

    @cached_property
    def xapi_mappings(self) -> XapiMappings:
        return XapiMappings(
            self._session,
            principal=self.principal,
            achievements=self.achievements,
            issuers=self.issuers,
            clock=self._runtime.clock,
        )

    @cached_property
    def wallet(self) -> WalletServices:
        runtime = self._runtime
        return wallet_services(
            self._session,
            principal=self.principal,
            urls=runtime.urls,
            code_key=runtime.wallet_key,
            clock=runtime.clock,
        )

    @cached_property
    def transcripts(self) -> TranscriptService:
        runtime = self._runtime
        return TranscriptService(
            self._session,
            portfolios=self.portfolios,
            earner_controls=self.earner_controls,
            issuers=self.issuers,
            urls=runtime.urls,
            issuer_slug=runtime.settings.transcript_issuer,
            clock=runtime.clock,
        )


def build_services(
    session: AsyncSession,
    runtime: "Runtime",
    principal: Principal | None,
    *,
    is_operator: bool = False,
) -> Services:
    """The services of a unit of work: REST, pages, GraphQL, the CLI and tests call this.

    `is_operator`: the command line, which administers every issuer. Nothing is built until
    used (see `Services`).
    """
    return Services(session, runtime, principal, is_operator=is_operator)


class _SayingOutages:
    """Says the database out of reach (`is_outage`) as the domain's `Unavailable`: a 503 to retry.

    Reusable and stateless, so each unit of work enters the same one.
    """

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _trace: object
    ) -> None:
        if error is not None and is_outage(error):
            raise Unavailable(Said("database-unavailable"), RETRY_AFTER) from error


_OUTAGES = _SayingOutages()


@dataclass(frozen=True, kw_only=True)
class Runtime:
    """What a process holds for its lifetime; nothing in it belongs to one request."""

    settings: Settings
    clock: Clock
    urls: Urls
    signer: Signer
    fetcher: SafeFetcher
    database: Database
    rate_limits: RateLimits
    trusted_proxies: TrustedProxies
    migration_head: str | None
    # DCC issuer registries, read from their files once at start.
    issuer_registries: Mapping[str, RegistryEntry] = field(default_factory=dict)
    # Status list signatures found valid, by the exact list: each is checked once per change.
    status_list_proofs: ProofMemo = field(default_factory=ProofMemo)
    # Credentials' own proofs found valid, by the exact document and key: a badge verified
    # again is not canonicalised again (its dates, status and issuer keys are read each time).
    credential_proofs: ProofMemo = field(default_factory=lambda: ProofMemo(CREDENTIAL_PROOFS))
    # Own signed status lists by version (each use checks the version: never stale).
    published_lists: PublishedLists = field(default_factory=PublishedLists)
    # Own DID documents and lists by their issuer's published epoch (read first: never stale).
    published_documents: PublishedDocuments = field(default_factory=PublishedDocuments)

    @classmethod
    def build(
        cls, settings: Settings, *, database: Database | None = None, clock: Clock = utc_now
    ) -> "Runtime":
        return cls(
            settings=settings,
            clock=clock,
            urls=Urls(settings.public_url),
            signer=Signer(_vault(settings)),
            fetcher=SafeFetcher(
                http_hosts=settings.fetch_http_hosts, per_host=settings.fetch_per_host
            ),
            database=database
            or Database.from_url(
                settings.database_url,
                pool_size=settings.database_pool_size,
                max_overflow=settings.database_max_overflow,
            ),
            rate_limits=RateLimits(
                settings.rate_limit_storage,
                anonymous=settings.rate_limit_anonymous,
                authenticated=settings.rate_limit_authenticated,
                completions=settings.rate_limit_completions,
                token_requests=settings.rate_limit_token,
                clock=clock,
            ),
            trusted_proxies=TrustedProxies(settings.trusted_proxies),
            migration_head=head_revision(settings.database_url),
            issuer_registries=load_registries(settings.issuer_registries),
        )

    @asynccontextmanager
    async def read(
        self, principal: Principal | None = None, *, is_operator: bool = False
    ) -> AsyncIterator[Services]:
        """Services on a read unit: it writes nothing and takes no write lock."""
        with _OUTAGES:
            async with self.database.read() as session:
                yield build_services(session, self, principal, is_operator=is_operator)

    @asynccontextmanager
    async def portfolios(
        self, principal: Principal | None = None
    ) -> AsyncIterator[PortfolioService]:
        """The portfolio reads alone on a read unit: a GraphQL batch needs nothing else."""
        with _OUTAGES:
            async with self.database.read() as session:
                yield PortfolioService(session, principal=principal, urls=self.urls)

    @asynccontextmanager
    async def reserve(self, principal: Principal | None = None) -> AsyncIterator[Services]:
        """Services on a reserving unit: reads, and counters taken by one statement each."""
        with _OUTAGES:
            async with self.database.reserve() as session:
                yield build_services(session, self, principal)

    @asynccontextmanager
    async def reserve_admitting(self, claims: TokenClaims, scope: str) -> AsyncIterator[Services]:
        """`reserve` for a bearer token's client, admitted by the unit's first statement.

        Enabled, secret current, still holding `scope`: what a unit of its own read before.
        """
        with _OUTAGES:
            async with self.database.reserve() as session:
                principal = await build_services(session, self, None).clients.principal_of_claims(
                    claims
                )
                principal.require(scope)
                yield build_services(session, self, principal)

    @asynccontextmanager
    async def write(
        self, principal: Principal | None = None, *, is_operator: bool = False
    ) -> AsyncIterator[Services]:
        """Services on a write unit: keep it short, and make no network call inside it."""
        with _OUTAGES:
            async with self.database.write() as session:
                yield build_services(session, self, principal, is_operator=is_operator)

    def verifications(self, caller: TokenClaims | None = None) -> VerificationService:
        """The verifier: own documents through short read units, others through the fetcher.

        A bearer token's `caller` is admitted in the read unit the own documents then use.
        """
        settings = self.settings
        return VerificationService(
            own=_OwnDocuments(self, caller),
            fetcher=self.fetcher,
            trusted_issuers=settings.trusted_issuers,
            issuer_registries=self.issuer_registries,
            http_hosts=settings.fetch_http_hosts,
            clock=self.clock,
            status_list_proofs=self.status_list_proofs,
            credential_proofs=self.credential_proofs,
            limits=VerificationLimits(
                max_fetches=settings.verify_max_fetches,
                max_status_entries=settings.verify_max_status_entries,
                max_keys=settings.verify_max_keys,
                timeout_seconds=settings.verify_timeout_seconds,
            ),
        )

    @functools.cached_property
    def wallet_key(self) -> bytes:
        """Derives the wallet offers' pre-authorized codes and nonces (from the token secret)."""
        return hmac.new(self.settings.token_secret, b"insigne-wallet", hashlib.sha256).digest()

    async def readiness(self) -> tuple[bool, str]:
        """Whether the database answers at the newest migration, and what was found."""
        try:
            revision = await self.database.revision()
        except (SQLAlchemyError, OSError) as error:
            return False, f"database unreachable: {type(error).__name__}"
        if revision != self.migration_head:
            return False, f"database at revision {revision}, expected {self.migration_head}"
        return True, revision or ""

    async def opens_sealed_secrets(self) -> bool:
        """Whether this process's key ring opens the newest sealed key and webhook secret.

        Not a start-up condition (a process may start before a rotation's key reaches it),
        but one of readiness: a process that cannot sign must not get traffic.
        """
        try:
            async with self.database.read() as session:
                key, secret = await newest_sealed(session)
            if key is not None:
                self.signer.open(key)
            if secret is not None:
                self.signer.open_bytes(secret)
        except InvalidTag:
            return False
        return True

    async def degraded(self) -> list[str]:
        """What runs in a degraded mode now (the service still answers)."""
        return [] if await self.rate_limits.is_reachable() else ["rate-limits"]

    async def forget(self) -> None:
        """Drop what the process remembers between units: fetched documents, rate-limit counts.

        The test suite shares one runtime (and app) across its tests and calls this between
        them, so that no test sees another's cached state.
        """
        self.fetcher.forget_all()
        self.status_list_proofs.clear()
        self.credential_proofs.clear()
        self.published_lists.clear()
        self.published_documents.clear()
        await self.rate_limits.reset()

    async def close(self) -> None:
        await self.rate_limits.close()
        await self.fetcher.close()
        await self.database.close()


class _OwnDocuments:
    """Own documents for one verification, read straight from the database.

    Each read is a read unit of its own, closed at once: what the verification does next (a
    fetch, a wait for a turn on the library's worker threads) holds no connection. `admit` reads the
    caller's client row and the published epoch of the issuer the badge names, in one
    statement; that issuer's DID document and status lists are then reused as built at that
    epoch (`PublishedDocuments`) or read and kept. So a revocation, a changed key or a
    disabled client is seen by the next verification, and an own badge seen before costs
    one statement.
    """

    def __init__(self, runtime: Runtime, caller: TokenClaims | None = None) -> None:
        self._runtime = runtime
        self._caller = caller
        self._hosted: set[str] = set()
        self._issuer: IssuerRef | None = None  # the issuer the badge names, if it is ours
        self._epoch: Epoch | None = None  # its published epoch, read by `admit`

    async def admit(self, issuer: str | None = None) -> None:
        ref = self._runtime.urls.parse(issuer) if issuer else None
        self._issuer = ref if isinstance(ref, IssuerRef) and ref.is_did_document else None
        slug = self._issuer.slug if self._issuer is not None else None
        if self._caller is None and slug is None:
            return
        async with self._runtime.read() as services:
            if self._caller is not None and slug is not None:
                clients = services.clients
                _, self._epoch = await clients.principal_and_epoch(self._caller, slug)
            elif self._caller is not None:
                await services.clients.principal_of_claims(self._caller)
            elif slug is not None:
                self._epoch = await services.issuers.published_epoch(slug)

    async def resolve(self, url: str) -> JSONObject | None:
        ref = self._runtime.urls.parse(url)
        if ref is None:
            return None
        if isinstance(ref, TranscriptRef):  # rare: a transcript names itself
            async with self._runtime.read() as services:
                return (await services.transcripts.published(ref.id)).document
        kept = self._runtime.published_documents
        epoch = self._epoch if self._is_the_issuers(ref) else None
        document = kept.recall(url, epoch) if epoch is not None else None
        if document is None:
            async with self._runtime.read() as services:
                document = await services.publications.document(ref)
            if epoch is not None and self._published_by_the_issuer(document):
                kept.remember(url, epoch, document)
        if isinstance(ref, IssuerRef) and ref.is_did_document:
            self._hosted.add(ref.slug)
        return document

    def _is_the_issuers(self, ref: object) -> bool:
        """Whether `ref` may be one of the admitted issuer's documents kept by its epoch."""
        if self._issuer is None:
            return False
        return isinstance(ref, StatusListRef) or ref == self._issuer

    def _published_by_the_issuer(self, document: dict[str, Any]) -> bool:
        """Whether `document` is the admitted issuer's: its DID document, or a list it issued.

        A list of another issuer changes with that one's epoch, so is never kept under this one's.
        """
        did = self._runtime.urls.issuer_did(self._issuer.slug) if self._issuer else None
        named = document.get("issuer", document.get("id"))
        named = named.get("id") if isinstance(named, dict) else named
        return did is not None and named == did

    async def hosts_issuer(self, issuer_id: str) -> bool:
        ref = self._runtime.urls.parse(issuer_id)
        if not isinstance(ref, IssuerRef) or not ref.is_did_document:
            return False
        if ref.slug in self._hosted:  # its DID document was read in this verification
            return True
        try:
            async with self._runtime.read() as services:
                return await services.publications.hosts_issuer(ref.slug)
        except NotFound:
            return False


def _vault(settings: Settings) -> KeyVault:
    """The key ring: from the environment, or re-read from its file after a rotation."""
    path = settings.key_encryption_key_file
    source = functools.partial(read_key_ring, path) if path is not None else None
    return KeyVault(settings.key_encryption_key, source=source)
