"""The one visibility policy: who may see a credential's private parts, for every face.

REST, the badge pages and GraphQL all ask this module; none decides on its own. A signed
credential is public (its link is meant to be shared), but what it keeps private is not:

- private reflections are readable by the platform that submitted them, by clients the
  issuer has authorised for its badges (linked to the issuer, with ``credentials:read`` or
  ``admin``), and by the earner through their management link; once the earner makes them
  public, or when the completion shared them (they are then inside the signed credential),
  by anyone;
- the API view of a credential, and its management, belong to the same platforms;
- a credential the earner hid is left out of portfolio queries, except for those platforms
  and for ``portfolio:read`` clients linked to its issuer;
- learners are looked up (by e-mail or id) only by clients holding ``portfolio:read``, and a
  learner none of whose credentials that client may list does not exist for it (no e-mail
  enumeration); anonymous callers see the public catalogue (achievements, issuers) only;
- an issuer's aggregates (earners per achievement and level) are for the clients it
  authorised (linked to it, with ``portfolio:read``, ``credentials:read`` or ``admin``).

- webhook endpoints (registered with ``webhooks:manage`` or ``admin``) receive the events of
  the credentials their client may read the API view of (`may_follow`).

Everyone else is told the thing does not exist (404), never that it is private.

Administration follows the same links: a client with ``admin`` administers the issuers it
is linked to (none: it sees nothing), creates issuers (it is then linked to them; under a
parent only if it administers the parent), sees the API clients all of whose issuers it
administers, grants only scopes its own token carries, and changes a credential's status
(revoke, suspend, reinstate) with ``credentials:revoke`` or ``admin`` when it submitted the
credential or is linked to its issuer. The operator (the command line) may do everything.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

from service.domain.clients.clients import Principal

_READ_SCOPES = frozenset({"credentials:read", "admin"})
_PORTFOLIO_SCOPES = frozenset({"portfolio:read", "admin"})
_STATS_SCOPES = frozenset({"portfolio:read", "credentials:read", "admin"})
_STATUS_SCOPES = frozenset({"credentials:revoke", "admin"})


class CredentialFacts(msgspec.Struct, frozen=True, gc=False):
    """What the policy needs to know about one credential."""

    credential_id: uuid.UUID
    issuer_slug: str
    submitted_by: uuid.UUID  # the client (record id) that posted the completion
    reflections_in_credential: bool  # posted with shareReflections: public for good
    evidence_public: bool  # the earner's choice
    hidden: bool  # the earner hid it from portfolio queries


@dataclass(frozen=True)
class Viewer:
    """Who is asking: an API client, the earner of one credential, both, or no one."""

    principal: Principal | None = None
    earner_of: uuid.UUID | None = None  # the credential whose management link was shown
    is_operator: bool = False  # the command line, run by whoever runs the service

    def is_platform_for(self, facts: CredentialFacts) -> bool:
        """The submitting platform, or a client the issuer authorised for its badges."""
        return self.may_follow(issuer_slug=facts.issuer_slug, submitted_by=facts.submitted_by)

    def may_follow(self, *, issuer_slug: str, submitted_by: uuid.UUID) -> bool:
        """Whether this client's webhooks receive a credential's events.

        Events carry the API view (external id, status, reason): the same platforms as
        `may_read_record`.
        """
        principal = self.principal
        if principal is None:
            return False
        if principal.id == submitted_by:
            return True
        return bool(principal.scopes & _READ_SCOPES) and issuer_slug in principal.issuer_slugs

    def is_linked_to(self, issuer_slug: str) -> bool:
        """A client of this issuer: the learner's name it sees is the one its platforms gave."""
        return self.principal is not None and issuer_slug in self.principal.issuer_slugs

    def is_earner_of(self, facts: CredentialFacts) -> bool:
        return self.earner_of is not None and self.earner_of == facts.credential_id

    def may_read_reflections(self, facts: CredentialFacts) -> bool:
        if facts.reflections_in_credential or facts.evidence_public:
            return True
        return self.is_platform_for(facts) or self.is_earner_of(facts)

    def may_read_record(self, facts: CredentialFacts) -> bool:
        """The API view (status, both signed forms) and the platform's management calls."""
        return self.is_platform_for(facts)

    def may_list(self, facts: CredentialFacts) -> bool:
        """Whether a portfolio query shows this credential."""
        if not facts.hidden or self.is_platform_for(facts) or self.is_earner_of(facts):
            return True
        # A portfolio reader linked to the issuer sees its badges, hidden or not.
        principal = self.principal
        return (
            principal is not None
            and bool(principal.scopes & _PORTFOLIO_SCOPES)
            and facts.issuer_slug in principal.issuer_slugs
        )

    def may_look_up_learners(self) -> bool:
        """Whether learners may be looked up at all (by e-mail or id): privacy-sensitive."""
        return self.principal is not None and bool(self.principal.scopes & _PORTFOLIO_SCOPES)

    def may_read_stats(self, issuer_slug: str) -> bool:
        """An issuer's aggregates: for the clients it authorised."""
        principal = self.principal
        return (
            principal is not None
            and bool(principal.scopes & _STATS_SCOPES)
            and issuer_slug in principal.issuer_slugs
        )

    def may_administer(self, issuer_slug: str) -> bool:
        """Issuer administration: its credentials, keys, achievements, tracks, audit."""
        if self.is_operator:
            return True
        principal = self.principal
        return (
            principal is not None
            and "admin" in principal.scopes
            and issuer_slug in principal.issuer_slugs
        )

    def administered(self) -> frozenset[str] | None:
        """The issuer slugs this viewer administers; None: every issuer (the operator)."""
        if self.is_operator:
            return None
        principal = self.principal
        if principal is None or "admin" not in principal.scopes:
            return frozenset()
        return principal.issuer_slugs

    def may_change_status(self, facts: CredentialFacts) -> bool:
        """Revoke, suspend or reinstate: the submitting platform or the issuer's clients."""
        if self.is_operator:
            return True
        principal = self.principal
        if principal is None or not principal.scopes & _STATUS_SCOPES:
            return False
        return principal.id == facts.submitted_by or facts.issuer_slug in principal.issuer_slugs

    def may_create_issuer(self) -> bool:
        """A new issuer: admins, who then administer it (a parent must be one they administer)."""
        return self.is_operator or (self.principal is not None and "admin" in self.principal.scopes)

    def may_see_client(self, issuer_slugs: Iterable[str]) -> bool:
        """A client's record: for those who administer every issuer it acts for (one at least)."""
        administered = self.administered()
        if administered is None:
            return True
        slugs = frozenset(issuer_slugs)
        return bool(slugs) and slugs <= administered

    def may_grant(self, scopes: Iterable[str]) -> bool:
        """Scopes a caller may give a client: those its token carries.

        ``admin`` passes every scope check (`Principal.require`), so an admin grants any
        scope (an admin made with ``--scope admin`` alone creates its platforms' clients);
        what bounds it is the issuers, which must be its own (`may_see_client`).
        """
        if self.is_operator:
            return True
        principal = self.principal
        if principal is None:
            return False
        return "admin" in principal.scopes or frozenset(scopes) <= principal.scopes

    def may_manage_client(self, issuer_slugs: Iterable[str], scopes: Iterable[str]) -> bool:
        """Renew a client's secret (which hands over its scopes), or disable it."""
        return self.may_see_client(issuer_slugs) and self.may_grant(scopes)

    def may_disable_client(
        self, client: uuid.UUID, issuer_slugs: Iterable[str], scopes: Iterable[str]
    ) -> bool:
        """As `may_manage_client`, but never oneself: a client would lock itself out."""
        is_self = self.principal is not None and self.principal.id == client
        return not is_self and self.may_manage_client(issuer_slugs, scopes)
