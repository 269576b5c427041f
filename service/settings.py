"""Typed settings, read from ``INSIGNE_*`` environment variables by `Settings.from_env`.

Nothing reads the environment at import time: `create_app(settings)` gets its settings, and
tests build `Settings(...)` directly.
"""

import base64
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

_KEK_FILE = "key-encryption-key"
_TOKEN_SECRET_FILE = "token-secret"  # noqa: S105 - a file name, not a secret


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything the service needs to run; secrets never appear in ``repr``.

    Attributes:
        database_url: SQLAlchemy URL; SQLite (aiosqlite) by default, or
            ``postgresql+asyncpg://…``.
        public_url: the base of every URL and did:web the service puts in a credential.
        data_dir: where the SQLite file and the development secrets live.
        key_encryption_key: 32 bytes, base64; encrypts issuers' private keys at rest.
        token_secret: signs the OAuth access tokens (HS256).
        token_ttl_seconds: how long an access token lives.
        trusted_issuers: issuer ids (DIDs or URLs) that verification reports as known.
        fetch_http_hosts: hosts the verifier may fetch over plain HTTP, private addresses
            included (development and tests only).
        rate_limit_storage: where verification rate-limit counters live (``limits`` URI;
            ``async+redis://…`` to share them between processes).
        rate_limit_anonymous, rate_limit_authenticated: verification limits per client address
            and per API client (``limits`` notation, e.g. ``30/minute``).
        key_cache_seconds: how long a process keeps an issuer's decrypted signing keys; a
            rotation made by another process takes effect within this time (retired keys stay
            published, so badges signed meanwhile still verify).
        webhook_worker: whether the app process also delivers webhooks (the embedded set-up);
            off when ``insigne worker`` processes do it.
        debug: Litestar debug mode (tracebacks in responses; never in production).
    """

    database_url: str
    public_url: str = "http://localhost:8000"
    data_dir: Path = Path("var")
    key_encryption_key: bytes = field(repr=False)
    token_secret: bytes = field(repr=False)
    token_ttl_seconds: int = 900
    trusted_issuers: frozenset[str] = frozenset()
    fetch_http_hosts: frozenset[str] = frozenset()
    rate_limit_storage: str = "async+memory://"
    rate_limit_anonymous: str = "30/minute"
    rate_limit_authenticated: str = "600/minute"
    key_cache_seconds: float = 60.0
    webhook_worker: bool = True
    debug: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """Read ``INSIGNE_*`` variables; development secrets are made in the data folder."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("INSIGNE_DATA_DIR", "var"))
        return cls(
            database_url=env.get(
                "INSIGNE_DATABASE_URL", f"sqlite+aiosqlite:///{data_dir / 'insigne.db'}"
            ),
            public_url=env.get("INSIGNE_PUBLIC_URL", "http://localhost:8000").rstrip("/"),
            data_dir=data_dir,
            key_encryption_key=_secret(env, "INSIGNE_KEY_ENCRYPTION_KEY", data_dir / _KEK_FILE),
            token_secret=_secret(env, "INSIGNE_TOKEN_SECRET", data_dir / _TOKEN_SECRET_FILE),
            token_ttl_seconds=int(env.get("INSIGNE_TOKEN_TTL_SECONDS", "900")),
            trusted_issuers=_words(env.get("INSIGNE_TRUSTED_ISSUERS", "")),
            fetch_http_hosts=_words(env.get("INSIGNE_FETCH_HTTP_HOSTS", "")),
            rate_limit_storage=env.get("INSIGNE_RATE_LIMIT_STORAGE", "async+memory://"),
            rate_limit_anonymous=env.get("INSIGNE_RATE_LIMIT_ANONYMOUS", "30/minute"),
            rate_limit_authenticated=env.get("INSIGNE_RATE_LIMIT_AUTHENTICATED", "600/minute"),
            key_cache_seconds=float(env.get("INSIGNE_KEY_CACHE_SECONDS", "60")),
            webhook_worker=env.get("INSIGNE_WEBHOOK_WORKER", "1") != "0",
            debug=env.get("INSIGNE_DEBUG") == "1",
        )


def _secret(env: Mapping[str, str], name: str, dev_file: Path) -> bytes:
    """A 32-byte secret from the environment (base64), or a development one kept on disk."""
    if name in env:
        value = base64.b64decode(env[name], validate=True)
        if len(value) != 32:
            raise ValueError(f"{name} must be 32 bytes, base64-encoded")
        return value
    if not dev_file.exists():
        dev_file.parent.mkdir(parents=True, exist_ok=True)
        dev_file.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
        dev_file.chmod(0o600)
        log.warning("%s is not set: generated a development secret in %s", name, dev_file)
    return base64.b64decode(dev_file.read_text())


def _words(value: str) -> frozenset[str]:
    return frozenset(value.replace(",", " ").split())
