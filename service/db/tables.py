"""The ORM records. Portable types only, so one schema serves SQLite and PostgreSQL.

Uniqueness and counters live here as constraints, never in process memory: several service
processes share one database.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from service.db.ids import new_id

JSON_DOCUMENT = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a time zone")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UtcDateTime(),
        dict[str, Any]: JSON_DOCUMENT,
        list[Any]: JSON_DOCUMENT,
        uuid.UUID: Uuid,
    }


class IssuerRecord(Base):
    """An organisation that awards badges and signs them with keys of its own."""

    __tablename__ = "issuers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(500))
    email: Mapped[str] = mapped_column(String(320))
    image_url: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    # The parent organisation (OB 3.0 ``parentOrg``); the chain never loops (checked on update).
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("issuers.id"), index=True)
    # Bumped by database triggers with any change to its keys or status lists (migration 0017):
    # what it publishes is unchanged while this is.
    published_epoch: Mapped[int] = mapped_column(BigInteger, server_default="0")

    keys: Mapped[list["IssuerKeyRecord"]] = relationship(
        lazy="raise", order_by="IssuerKeyRecord.created_at"
    )


class IssuerKeyRecord(Base):
    """A signing key; the private half is encrypted with the key-encryption key."""

    __tablename__ = "issuer_keys"
    __table_args__ = (UniqueConstraint("issuer_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    issuer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("issuers.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))  # the verification method's fragment
    kind: Mapped[str] = mapped_column(String(20))  # ed25519 (Data Integrity) or rsa (VC-JWT)
    public_jwk: Mapped[dict[str, Any]]
    encrypted_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    is_active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]
    # Proofs this key made after this instant are refused: it may have leaked by then.
    compromised_at: Mapped[datetime | None]


class AchievementRecord(Base):
    """A badge definition: one level of a training track."""

    __tablename__ = "achievements"
    # A track is its issuer's: another issuer's track of the same name is another track.
    __table_args__ = (UniqueConstraint("issuer_id", "track", "level"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    issuer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("issuers.id"), index=True)
    track: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    level_name: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    criteria: Mapped[str] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(String(500))
    alignments: Mapped[list[Any]]
    tags: Mapped[list[Any]]
    in_language: Mapped[str] = mapped_column(String(35))
    created_at: Mapped[datetime]
    # The current definition's number; each earlier one is kept in `AchievementVersionRecord`.
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    archived_at: Mapped[datetime | None]  # no new completions; documents still resolve
    # Continuing-education hours the training is worth (quarter hours); None: not stated.
    hours: Mapped[float | None] = mapped_column(Float)

    prompts: Mapped[list["PromptRecord"]] = relationship(
        lazy="raise", order_by="PromptRecord.position"
    )


class PromptRecord(Base):
    """A reflection prompt of an achievement; its key is stable for platforms."""

    __tablename__ = "prompts"
    __table_args__ = (UniqueConstraint("achievement_id", "key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    achievement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("achievements.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)  # French, the catalogue's language
    text_en: Mapped[str | None] = mapped_column(Text)
    min_length: Mapped[int] = mapped_column(Integer)
    max_length: Mapped[int] = mapped_column(Integer)
    is_required: Mapped[bool] = mapped_column(Boolean)


class LearnerRecord(Base):
    """An earner, known by the e-mail address platforms give: an identity, nothing more.

    The name a platform gives is its completion's (`CompletionRecord.learner_name`), as the
    signed credential carries its own: no platform can rename a learner for another issuer.
    """

    __tablename__ = "learners"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    did: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]


class ClientRecord(Base):
    """An API client (a training platform); only a hash of its secret is kept."""

    __tablename__ = "clients"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    client_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    secret_hash: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[list[Any]]
    issuer_slugs: Mapped[list[Any]]  # the issuers it may issue for; empty: none
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]
    # Bumped when the secret is renewed: tokens of an earlier generation stop working.
    secret_generation: Mapped[int] = mapped_column(Integer, server_default="1")


class CompletionRecord(Base):
    """A training completion posted by a platform; at most one per external id."""

    __tablename__ = "completions"
    __table_args__ = (
        UniqueConstraint("client_id", "external_id"),
        UniqueConstraint("client_id", "idempotency_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"))
    external_id: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the normalised request
    learner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("learners.id"), index=True)
    learner_name: Mapped[str] = mapped_column(String(300))  # as this platform gave it
    achievement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("achievements.id"), index=True)
    completed_at: Mapped[datetime]
    share_reflections: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    # The achievement's definition this completion was validated and issued under.
    achievement_version: Mapped[int] = mapped_column(Integer, server_default="1")
    # The hours the learner actually did, as the platform reported them (at most the
    # achievement's); None: the achievement's own hours, when it states them.
    hours: Mapped[float | None] = mapped_column(Float)


class EvidenceRecord(Base):
    """One answered reflection prompt: the evidence behind a badge."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("completion_id", "prompt_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    completion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("completions.id"), index=True)
    prompt_key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    answer: Mapped[str] = mapped_column(Text)
    digest_sri: Mapped[str] = mapped_column(String(120))
    prompt_text: Mapped[str | None] = mapped_column(Text)  # the question as it was asked


class StatusListRecord(Base):
    """A Bitstring Status List of an issuer, stored signed: it is re-signed when a bit changes.

    Indexes look random (the Bitstring Status List spec recommends it, for herd privacy): the
    n-th index handed out is a keyed permutation (`slot_key`) of n, counted by `allocated`;
    the unique constraint on credentials keeps them distinct whatever happens.
    """

    __tablename__ = "status_lists"
    __table_args__ = (UniqueConstraint("issuer_id", "purpose", "sequence"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    issuer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("issuers.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    sequence: Mapped[int] = mapped_column(Integer)  # the issuer's 1st, 2nd... list
    size: Mapped[int] = mapped_column(Integer)
    signed_json: Mapped[str | None] = mapped_column(Text)  # the list credential, as served
    version: Mapped[int] = mapped_column(Integer)  # bumped at each re-signing
    created_at: Mapped[datetime]
    signed_at: Mapped[datetime]
    # Indexes handed out so far; the list is full when it reaches `size`.
    allocated: Mapped[int] = mapped_column(Integer, server_default="0")
    # Hex key of the index permutation; None for lists made before migration 0016 (full).
    slot_key: Mapped[str | None] = mapped_column(String(32))


class CredentialRecord(Base):
    """An issued credential, kept as the exact text that was signed (JSON-LD and VC-JWT)."""

    __tablename__ = "credentials"
    __table_args__ = (
        UniqueConstraint("status_list_id", "status_index"),
        UniqueConstraint("suspension_list_id", "suspension_index"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    completion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("completions.id"), unique=True)
    issuer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("issuers.id"), index=True)
    signed_json: Mapped[str] = mapped_column(Text)  # never re-serialised: served byte for byte
    jwt: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # active, revoked, suspended
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None]
    # The earner's controls (through their management link); the signed text never changes.
    evidence_public: Mapped[bool] = mapped_column(Boolean, server_default=false())
    hidden: Mapped[bool] = mapped_column(Boolean, server_default=false())  # from portfolios
    manage_token_hash: Mapped[str | None] = mapped_column(String(64))
    status_list_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("status_lists.id"))
    status_index: Mapped[int] = mapped_column(Integer)
    # The second entry (statusPurpose suspension); None for credentials issued before it.
    suspension_list_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("status_lists.id"))
    suspension_index: Mapped[int | None] = mapped_column(Integer)
    issued_at: Mapped[datetime]


class AuditEventRecord(Base):
    """Who did what, when; never secrets nor reflection text."""

    __tablename__ = "audit_events"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]]
    # The issuer the event concerns (its admins may read it); None: not one issuer's.
    issuer: Mapped[str | None] = mapped_column(String(100), index=True)


class WebhookEndpointRecord(Base):
    """A platform's webhook receiver; its signing secret is sealed with the key-encryption key."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[Any]]
    encrypted_secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(String(200))


class WebhookDeliveryRecord(Base):
    """The outbox: one row per event and endpoint, written in the event's own transaction.

    A worker claims due rows (``locked_until`` is its lease: a worker that dies mid-delivery
    loses the row when the lease ends), sends with no transaction open, and records the result.
    """

    __tablename__ = "webhook_deliveries"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    event: Mapped[str] = mapped_column(String(100))
    message_id: Mapped[str] = mapped_column(String(100))  # webhook-id: one per event
    body: Mapped[str] = mapped_column(Text)  # the exact JSON sent and signed
    status: Mapped[str] = mapped_column(String(20), index=True)  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    locked_until: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class WebhookAttemptRecord(Base):
    """One try at sending a delivery, and what the receiver answered."""

    __tablename__ = "webhook_attempts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    at: Mapped[datetime]
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(Integer)


class TrackRecord(Base):
    """A training track whose levels are the issuer's achievements with ``track`` = its name.

    The name is unique per issuer only: another issuer may name a track of its own alike.
    """

    __tablename__ = "tracks"
    __table_args__ = (UniqueConstraint("issuer_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    issuer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("issuers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # A completion for level n needs an active credential for level n-1 of the same learner.
    requires_previous_level: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]


class AchievementVersionRecord(Base):
    """One definition of an achievement, as it was when credentials were issued under it."""

    __tablename__ = "achievement_versions"
    __table_args__ = (UniqueConstraint("achievement_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    achievement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("achievements.id"))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class ImageRecord(Base):
    """An uploaded picture (validated PNG or sanitised SVG), named by its SHA-256."""

    __tablename__ = "images"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(50))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class XapiMappingRecord(Base):
    """Which xAPI activities of a platform make one completion: its course, its answers.

    ``answers`` maps a prompt key to the activity IRI whose ``answered`` statements answer it.
    """

    __tablename__ = "xapi_mappings"
    __table_args__ = (UniqueConstraint("client_id", "completed_activity"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), index=True)
    achievement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("achievements.id"))
    completed_activity: Mapped[str] = mapped_column(String(2000))
    answers: Mapped[dict[str, Any]]
    share_reflections: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]


class XapiAccountRecord(Base):
    """The e-mail a platform gave for one of its xAPI ``account`` actors (never guessed)."""

    __tablename__ = "xapi_accounts"
    __table_args__ = (UniqueConstraint("client_id", "home_page", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"))
    home_page: Mapped[str] = mapped_column(String(500))
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]


class XapiStatementRecord(Base):
    """A mapped xAPI statement held until its completion is assembled.

    Once assembled or voided only a tombstone stays (its id, for idempotency, and no
    personal data): ``actor``, ``actor_name`` and ``response`` are cleared.
    """

    __tablename__ = "xapi_statements"
    __table_args__ = (UniqueConstraint("client_id", "statement_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"))
    statement_id: Mapped[uuid.UUID]
    fingerprint: Mapped[str | None] = mapped_column(String(64))  # None: voided before it came
    status: Mapped[str] = mapped_column(String(20))  # pending, assembled, voided
    verb: Mapped[str | None] = mapped_column(String(20))  # completed, answered
    activity: Mapped[str | None] = mapped_column(String(2000))
    actor: Mapped[str | None] = mapped_column(String(900), index=True)  # mailto:… or account
    actor_name: Mapped[str | None] = mapped_column(String(300))
    response: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime | None]
    stored_at: Mapped[datetime]
    problem: Mapped[str | None] = mapped_column(Text)  # why its completion was refused


class WalletExchangeRecord(Base):
    """A wallet offer: one short-lived, single-use pickup of a credential by a wallet.

    One offer serves both protocols (VC-API and OID4VCI); whichever completes first ends it.
    Only hashes of its secrets are kept (the exchange reference, the pre-authorized code, the
    transaction code, the access token). ``state`` moves forward by conditional updates
    (``WHERE state = …``), so two processes never both complete one offer.
    """

    __tablename__ = "wallet_exchanges"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    credential_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credentials.id"), index=True)
    reference_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tx_code_hash: Mapped[str | None] = mapped_column(String(64))
    tx_failures: Mapped[int] = mapped_column(Integer, server_default="0")
    # offered, challenged (VC-API), token (OID4VCI), collected, locked (too many tx codes)
    state: Mapped[str] = mapped_column(String(20))
    challenge: Mapped[str | None] = mapped_column(String(100))
    access_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    protocol: Mapped[str | None] = mapped_column(String(20))  # vcapi, oid4vci
    holder: Mapped[str | None] = mapped_column(String(500))
    notification_id: Mapped[str | None] = mapped_column(String(64))
    notified: Mapped[str | None] = mapped_column(String(40))  # the wallet's last notification
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    token_expires_at: Mapped[datetime | None]
    collected_at: Mapped[datetime | None]


class TranscriptRecord(Base):
    """A signed CLR 2.0 transcript, kept for as long as the badges it holds stay the same.

    ``key`` digests the learner, the period, and every held badge's id and status: a badge
    revoked, suspended, hidden or issued meanwhile makes another key, hence a new transcript.
    """

    __tablename__ = "transcripts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    learner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("learners.id"), index=True)
    signed_json: Mapped[str] = mapped_column(Text)  # served byte for byte
    jwt: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
