"""Typed settings, read from ``INSIGNE_*`` environment variables by `Settings.from_env`.

Nothing reads the environment at import time: `create_app(settings)` gets its settings, and
tests build `Settings(...)` directly.
"""

import base64
import logging
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

_KEK_FILE = "key-encryption-key"
_TOKEN_SECRET_FILE = "token-secret"  # noqa: S105 - a file name, not a secret


@dataclass(frozen=True, kw_only=True)
class GraphQLSettings:
    """The GraphQL portfolio API's limits; production defaults (introspection and IDE off).

    Attributes:
        introspection: allow ``__schema``/``__type`` (on in development).
        ide: serve GraphiQL at ``/graphql`` to browsers (on in development).
        trusted_documents: sha256 hex digests of the query texts production clients may
            send; empty: any document within the limits.
        max_depth, max_tokens, max_aliases: refused above these (parser and validation).
        max_page_size: the largest ``first`` a connection accepts; ``default_page_size``
            when ``first`` is left out.
        max_cost: the most nodes a query may ask for, estimated from ``first`` along each path.
        max_response_bytes: the largest answer (JSON bytes, counted while it is produced);
            past it the operation stops and answers ``RESPONSE_TOO_LARGE`` alone.
        timeout_seconds: execution time allowed to one operation.
        cache_size: documents kept by the parser and validation caches (LRU).
        parallel_units: read units one request may hold at once (sibling fields' loaders).
    """

    introspection: bool = False
    ide: bool = False
    trusted_documents: frozenset[str] = frozenset()
    max_depth: int = 12
    max_tokens: int = 2_000
    max_aliases: int = 15
    max_page_size: int = 100
    default_page_size: int = 20
    max_cost: int = 25_000  # a page of 100 credentials with their evidence and alignments
    max_response_bytes: int = 8 * 1024 * 1024
    timeout_seconds: float = 5.0
    cache_size: int = 256
    parallel_units: int = 4

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "GraphQLSettings":
        """``INSIGNE_ENV=development`` turns introspection and GraphiQL on by default."""
        is_development = env.get("INSIGNE_ENV", "production") == "development"
        default = "1" if is_development else "0"
        return cls(
            introspection=env.get("INSIGNE_GRAPHQL_INTROSPECTION", default) == "1",
            ide=env.get("INSIGNE_GRAPHQL_IDE", default) == "1",
            trusted_documents=_words(env.get("INSIGNE_GRAPHQL_TRUSTED_DOCUMENTS", "")),
            max_cost=int(env.get("INSIGNE_GRAPHQL_MAX_COST", "25000")),
            max_response_bytes=int(
                env.get("INSIGNE_GRAPHQL_MAX_RESPONSE_BYTES", str(8 * 1024 * 1024))
            ),
            timeout_seconds=float(env.get("INSIGNE_GRAPHQL_TIMEOUT_SECONDS", "5")),
        )


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything the service needs to run; secrets never appear in ``repr``.

    Attributes:
        database_url: SQLAlchemy URL; SQLite (aiosqlite) by default, or
            ``postgresql+asyncpg://…``.
        database_pool_size, database_max_overflow: PostgreSQL connections one process keeps
            open, and may open beyond them in a burst (each server process has its own pool).
        public_url: the base of every URL and did:web the service puts in a credential.
        data_dir: where the SQLite file and the development secrets live.
        key_encryption_key: 32 bytes, base64; encrypts issuers' private keys at rest.
        key_encryption_key_file: the file the key came from (``INSIGNE_KEY_ENCRYPTION_KEY_FILE``
            or the development file), None when it came from the environment: the key ring the
            process re-reads after ``insigne keys rotate-kek`` (one key a line, newest first).
        token_secret: signs the OAuth access tokens (HS256).
        token_ttl_seconds: how long an access token lives.
        trusted_issuers: issuer ids (DIDs or URLs) that verification reports as known.
        issuer_registries: DCC-format issuer registry files (``service.domain.
            issuer_registries``), most authoritative first; the DIDs they list are known too.
        fetch_http_hosts: hosts the verifier may fetch over plain HTTP, private addresses
            included (development and tests only).
        rate_limit_storage: where verification rate-limit counters live (``limits`` URI;
            ``async+redis://…`` to share them between processes).
        rate_limit_anonymous, rate_limit_authenticated: verification limits per client address
            and per API client (``limits`` notation, e.g. ``30/minute``).
        rate_limit_completions: completions per API client.
        rate_limit_token: token requests per address and per client id (failures have their
            own growing limits, `service.limits.FAILURE_TIERS`).
        trusted_proxies: addresses or networks of the proxies whose ``X-Forwarded-For`` is
            believed; empty: the peer's address is the caller's.
        verify_max_fetches, verify_max_status_entries, verify_max_keys,
            verify_timeout_seconds: one verification's budget: documents fetched over the
            network, status entries checked, keys tried per document, and wall-clock time.
        fetch_per_host: outbound requests in flight at once to one host.
        suspension_entry: whether new credentials carry a second status entry
            (``statusPurpose`` ``suspension``) beside the revocation one. Off by default: the
            OB 3.0 JSON schema allows one ``credentialStatus`` object (a list is only proposed
            for OB 3.1, 1EdTech openbadges-specification#623), so such credentials validate
            and can be revoked but not suspended. On, they can be suspended and fail that
            schema. Credentials issued with both entries keep both, whatever the setting.
        transcript_issuer: the slug of the issuer that signs continuing-education transcripts
            (the operator's); None: the oldest issuer that has no parent.
        webhook_worker: whether the app process also delivers webhooks (the embedded set-up);
            off when ``insigne worker`` processes do it.
        debug: Litestar debug mode (tracebacks in responses; never in production).
        log_format: ``text`` (development) or ``json`` (one JSON object per line, production).
        log_level: the root logger's level (``INFO``, ``DEBUG``…).
        graphql: the GraphQL API's limits and development switches.
    """

    database_url: str
    database_pool_size: int = 20
    database_max_overflow: int = 10
    public_url: str = "http://localhost:8000"
    data_dir: Path = Path("var")
    key_encryption_key: bytes = field(repr=False)
    key_encryption_key_file: Path | None = None
    token_secret: bytes = field(repr=False)
    token_ttl_seconds: int = 900
    trusted_issuers: frozenset[str] = frozenset()
    issuer_registries: tuple[Path, ...] = ()
    fetch_http_hosts: frozenset[str] = frozenset()
    rate_limit_storage: str = "async+memory://"
    rate_limit_anonymous: str = "30/minute"
    rate_limit_authenticated: str = "600/minute"
    rate_limit_completions: str = "1200/minute"
    rate_limit_token: str = "60/minute"  # noqa: S105 - a rate, not a secret
    trusted_proxies: frozenset[str] = frozenset()
    verify_max_fetches: int = 20
    verify_max_status_entries: int = 10
    verify_max_keys: int = 10
    verify_timeout_seconds: float = 10.0
    fetch_per_host: int = 2
    suspension_entry: bool = False
    transcript_issuer: str | None = None
    webhook_worker: bool = True
    debug: bool = False
    log_format: str = "text"
    log_level: str = "INFO"
    graphql: GraphQLSettings = GraphQLSettings()

    def __post_init__(self) -> None:
        if self.log_format not in ("text", "json"):
            raise ValueError(f"INSIGNE_LOG_FORMAT must be text or json, not {self.log_format!r}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """Read ``INSIGNE_*`` variables; development secrets are made in the data folder."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("INSIGNE_DATA_DIR", "var"))
        return cls(
            database_url=env.get(
                "INSIGNE_DATABASE_URL", f"sqlite+aiosqlite:///{data_dir / 'insigne.db'}"
            ),
            database_pool_size=int(env.get("INSIGNE_DATABASE_POOL_SIZE", "20")),
            database_max_overflow=int(env.get("INSIGNE_DATABASE_MAX_OVERFLOW", "10")),
            public_url=env.get("INSIGNE_PUBLIC_URL", "http://localhost:8000").rstrip("/"),
            data_dir=data_dir,
            key_encryption_key=_secret(
                env,
                "INSIGNE_KEY_ENCRYPTION_KEY",
                "INSIGNE_KEY_ENCRYPTION_KEY_FILE",
                data_dir / _KEK_FILE,
            ),
            key_encryption_key_file=key_file(env, data_dir),
            token_secret=_secret(
                env,
                "INSIGNE_TOKEN_SECRET",
                "INSIGNE_TOKEN_SECRET_FILE",
                data_dir / _TOKEN_SECRET_FILE,
            ),
            token_ttl_seconds=int(env.get("INSIGNE_TOKEN_TTL_SECONDS", "900")),
            trusted_issuers=_words(env.get("INSIGNE_TRUSTED_ISSUERS", "")),
            issuer_registries=tuple(
                Path(p) for p in env.get("INSIGNE_ISSUER_REGISTRIES", "").replace(",", " ").split()
            ),
            fetch_http_hosts=_words(env.get("INSIGNE_FETCH_HTTP_HOSTS", "")),
            rate_limit_storage=env.get("INSIGNE_RATE_LIMIT_STORAGE", "async+memory://"),
            rate_limit_anonymous=env.get("INSIGNE_RATE_LIMIT_ANONYMOUS", "30/minute"),
            rate_limit_authenticated=env.get("INSIGNE_RATE_LIMIT_AUTHENTICATED", "600/minute"),
            rate_limit_completions=env.get("INSIGNE_RATE_LIMIT_COMPLETIONS", "1200/minute"),
            rate_limit_token=env.get("INSIGNE_RATE_LIMIT_TOKEN", "60/minute"),
            trusted_proxies=_words(env.get("INSIGNE_TRUSTED_PROXIES", "")),
            verify_max_fetches=int(env.get("INSIGNE_VERIFY_MAX_FETCHES", "20")),
            verify_max_status_entries=int(env.get("INSIGNE_VERIFY_MAX_STATUS_ENTRIES", "10")),
            verify_max_keys=int(env.get("INSIGNE_VERIFY_MAX_KEYS", "10")),
            verify_timeout_seconds=float(env.get("INSIGNE_VERIFY_TIMEOUT_SECONDS", "10")),
            fetch_per_host=int(env.get("INSIGNE_FETCH_PER_HOST", "2")),
            suspension_entry=env.get("INSIGNE_SUSPENSION_ENTRY", "0") == "1",
            transcript_issuer=env.get("INSIGNE_TRANSCRIPT_ISSUER") or None,
            webhook_worker=env.get("INSIGNE_WEBHOOK_WORKER", "1") != "0",
            debug=env.get("INSIGNE_DEBUG") == "1",
            log_format=env.get("INSIGNE_LOG_FORMAT", "text"),
            log_level=env.get("INSIGNE_LOG_LEVEL", "INFO").upper(),
            graphql=GraphQLSettings.from_env(env),
        )


def key_file(env: Mapping[str, str], data_dir: Path) -> Path | None:
    """Where the key-encryption key ring is kept, unless the environment holds the key."""
    if env.get("INSIGNE_KEY_ENCRYPTION_KEY"):
        return None
    return Path(env.get("INSIGNE_KEY_ENCRYPTION_KEY_FILE") or data_dir / _KEK_FILE)


def read_key_ring(path: Path) -> tuple[bytes, ...]:
    """A key file's keys, newest (the sealing one) first: 32 bytes, base64, one a line."""
    keys = tuple(base64.b64decode(line, validate=True) for line in path.read_text().split())
    if not keys or any(len(key) != 32 for key in keys):
        raise ValueError(f"{path} must hold 32-byte keys, base64-encoded, one a line")
    return keys


def write_key_ring(path: Path, keys: Sequence[bytes]) -> None:
    """Replace a key file at once (readers never see half of it), readable by its owner only."""
    fresh = path.with_name(path.name + ".writing")
    descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write("".join(base64.b64encode(key).decode() + "\n" for key in keys))
    fresh.replace(path)


def _secret(env: Mapping[str, str], name: str, file_name: str, dev_file: Path) -> bytes:
    """A 32-byte secret: from the environment (base64), from a file, or made for development.

    A file's first line counts (a key file lists its ring newest first); without either
    variable, the development secret is kept in `dev_file`, made when missing.
    """
    if env.get(name):  # set and not empty (compose passes an unset variable as "")
        value = base64.b64decode(env[name], validate=True)
        if len(value) != 32:
            raise ValueError(f"{name} must be 32 bytes, base64-encoded")
        return value
    if env.get(file_name):
        return read_key_ring(Path(env[file_name]))[0]
    if not dev_file.exists():
        dev_file.parent.mkdir(parents=True, exist_ok=True)
        write_key_ring(dev_file, [secrets.token_bytes(32)])
        log.warning("%s is not set: generated a development secret in %s", name, dev_file)
    return read_key_ring(dev_file)[0]


def _words(value: str) -> frozenset[str]:
    return frozenset(value.replace(",", " ").split())
