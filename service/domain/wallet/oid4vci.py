"""OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow.

https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html: the offer (§4.1,
by reference), the token endpoint's pre-authorized code grant (§6.1; single use, short
expiry, an optional transaction code locked after `MAX_TX_FAILURES` wrong tries, counted in
the database), the credential endpoint (§8) answering the stored badge as ``ldp_vc``, the
nonce endpoint (§7) and the notification endpoint (§11). Errors are OAuth-style JSON (§6.3,
§8.3.1.2, §11.3), raised as `WalletOAuthError`.

The badge names its earner by a hashed identity, not by a key, so no proof of possession is
required; a wallet that sends one anyway has it checked (``openid4vci-proof+jwt``, §F.1):
audience, freshness and a nonce from the nonce endpoint.
"""

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from openbadges.errors import InvalidKey
from openbadges.jsontypes import dumps
from openbadges.keys import PublicKey, public_key_from_jwk, public_key_from_multibase
from service.db.tables import WalletExchangeRecord
from service.domain.clients.audit import record_event
from service.domain.clock import Clock, utc_now
from service.domain.errors import DomainError
from service.domain.texts import Said
from service.domain.urls import Urls
from service.domain.wallet.links import WalletLinks
from service.domain.wallet.records import (
    MAX_TX_FAILURES,
    TOKEN_TTL,
    TX_CODE_LENGTH,
    digest,
    held_by_reference,
    pre_authorized_code,
    record_collected,
    signed_text,
)

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
CONFIGURATION_ID = "OpenBadgeCredential_ldp_vc"
NONCE_SECONDS = 300
PROOF_TYPE = "openid4vci-proof+jwt"
_NOTIFICATION_EVENTS = frozenset(
    {"credential_accepted", "credential_failure", "credential_deleted"}
)
_OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


class WalletOAuthError(DomainError):
    """An OID4VCI refusal: ``{"error", "error_description"}`` with the status the spec names."""

    def __init__(self, code: str, description: Said, *, status: int = 400) -> None:
        english = str(description)  # RFC 6749's error_description, in English as always
        super().__init__(description, extra={"error": code, "error_description": english})
        self.code = code
        self.status = status


@dataclass(frozen=True)
class AccessToken:
    access_token: str
    expires_in: int


def issuer_metadata(links: WalletLinks) -> dict[str, Any]:
    """§12.2: one ``ldp_vc`` configuration; ``credential_metadata`` marks it as 1.0."""
    return {
        "credential_issuer": links.issuer,
        "credential_endpoint": links.credential_endpoint,
        "nonce_endpoint": links.nonce_endpoint,
        "notification_endpoint": links.notification_endpoint,
        "display": [
            {"name": "Insigne – badges numériques", "locale": "fr"},
            {"name": "Insigne – digital badges", "locale": "en"},
        ],
        "credential_configurations_supported": {
            CONFIGURATION_ID: {
                "format": "ldp_vc",
                "credential_definition": {
                    "@context": ["https://www.w3.org/ns/credentials/v2", _OB_CONTEXT],
                    "type": ["VerifiableCredential", "OpenBadgeCredential"],
                },
                "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
                "credential_metadata": {
                    "display": [
                        {
                            "name": "Badge numérique",
                            "locale": "fr",
                            "description": "Un badge Open Badges 3.0 signé par son émetteur",
                        },
                        {
                            "name": "Digital badge",
                            "locale": "en",
                            "description": "An Open Badges 3.0 badge signed by its issuer",
                        },
                    ]
                },
            }
        },
    }


def authorization_server_metadata(links: WalletLinks) -> dict[str, Any]:
    """RFC 8414: the token endpoint, and no client authentication for the pre-authorized grant."""
    return {
        "issuer": links.issuer,
        "token_endpoint": links.token_endpoint,
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "pre-authorized_grant_anonymous_access_supported": True,
        "token_endpoint_auth_methods_supported": ["none"],
    }


class OpenIdIssuance:
    def __init__(
        self, session: AsyncSession, *, urls: Urls, code_key: bytes, clock: Clock = utc_now
    ) -> None:
        self._session = session
        self._urls = urls
        self._links = WalletLinks(urls.base)
        self._key = code_key
        self._clock = clock

    async def offer(self, reference: str) -> dict[str, Any]:
        """§4.1.1: the credential offer the ``credential_offer_uri`` points at."""
        held = await held_by_reference(self._session, reference)
        if held is None or held.state not in ("offered", "challenged"):
            raise WalletOAuthError("invalid_request", Said("wallet-offer-unknown"), status=404)
        if held.expires_at <= self._clock():
            raise WalletOAuthError("invalid_request", Said("wallet-offer-expired"), status=404)
        tx_code_hash = await self._session.scalar(
            select(WalletExchangeRecord.tx_code_hash).where(WalletExchangeRecord.id == held.id)
        )
        grant: dict[str, Any] = {"pre-authorized_code": pre_authorized_code(reference, self._key)}
        if tx_code_hash is not None:
            grant["tx_code"] = {
                "input_mode": "numeric",
                "length": TX_CODE_LENGTH,
                "description": "Le code affiché sur votre page de badge / "
                "the code shown on your badge page",
            }
        return {
            "credential_issuer": self._links.issuer,
            "credential_configuration_ids": [CONFIGURATION_ID],
            "grants": {PRE_AUTHORIZED_GRANT: grant},
        }

    async def token(self, code: str, tx_code: str | None) -> AccessToken | WalletOAuthError:
        """§6: trade the pre-authorized code (and transaction code) for an access token, once.

        A wrong transaction code is returned, not raised: its count must be committed.
        """
        row = (
            await self._session.execute(
                select(
                    WalletExchangeRecord.id,
                    WalletExchangeRecord.state,
                    WalletExchangeRecord.expires_at,
                    WalletExchangeRecord.tx_code_hash,
                    WalletExchangeRecord.tx_failures,
                ).where(WalletExchangeRecord.code_hash == digest(code))
            )
        ).first()
        if row is None:
            raise WalletOAuthError("invalid_grant", Said("wallet-code-unknown"))
        offer_id, state, expires_at, tx_code_hash, failures = row
        now = self._clock()
        if state == "locked" or failures >= MAX_TX_FAILURES:
            raise WalletOAuthError("invalid_grant", Said("wallet-code-locked"))
        if state not in ("offered", "challenged"):
            raise WalletOAuthError("invalid_grant", Said("wallet-code-used"))
        if expires_at <= now:
            raise WalletOAuthError("invalid_grant", Said("wallet-code-expired"))
        if tx_code_hash is not None:
            if not tx_code:
                raise WalletOAuthError("invalid_request", Said("wallet-tx-code-required"))
            if not hmac.compare_digest(tx_code_hash, digest(tx_code)):
                await self._count_failure(offer_id)
                return WalletOAuthError("invalid_grant", Said("wallet-tx-code-wrong"))
        token = secrets.token_urlsafe(32)
        changed = await self._session.execute(
            update(WalletExchangeRecord)
            .where(
                WalletExchangeRecord.id == offer_id,
                WalletExchangeRecord.state.in_(("offered", "challenged")),
                WalletExchangeRecord.tx_failures < MAX_TX_FAILURES,
            )
            .values(
                state="token",
                protocol="oid4vci",
                access_token_hash=digest(token),
                token_expires_at=now + TOKEN_TTL,
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(changed, "rowcount", 0) != 1:
            raise WalletOAuthError("invalid_grant", Said("wallet-code-used"))
        return AccessToken(token, int(TOKEN_TTL.total_seconds()))

    async def _count_failure(self, offer_id: Any) -> None:  # noqa: ANN401 - uuid
        """One more wrong code; the fifth locks the offer (state ``locked``) for good."""
        await self._session.execute(
            update(WalletExchangeRecord)
            .where(WalletExchangeRecord.id == offer_id)
            .values(tx_failures=WalletExchangeRecord.tx_failures + 1)
            .execution_options(synchronize_session=False)
        )
        await self._session.execute(
            update(WalletExchangeRecord)
            .where(
                WalletExchangeRecord.id == offer_id,
                WalletExchangeRecord.tx_failures >= MAX_TX_FAILURES,
                WalletExchangeRecord.state.in_(("offered", "challenged")),
            )
            .values(state="locked")
            .execution_options(synchronize_session=False)
        )

    def nonce(self) -> str:
        """§7: a fresh ``c_nonce``, stateless: its time and a MAC over it."""
        moment = str(int(time.time()))
        return f"{moment}.{self._mac('nonce', moment)}"

    def _nonce_is_fresh(self, nonce: object) -> bool:
        if not isinstance(nonce, str) or nonce.count(".") != 1:
            return False
        moment, mac = nonce.split(".")
        if not moment.isdigit() or not hmac.compare_digest(mac, self._mac("nonce", moment)):
            return False
        return 0 <= time.time() - int(moment) <= NONCE_SECONDS

    def _mac(self, purpose: str, value: str) -> str:
        raw = hmac.new(self._key, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    async def credential(self, access_token: str | None, request: Any) -> bytes:  # noqa: ANN401 - JSON
        """§8: the stored credential (``ldp_vc``), once, with a ``notification_id``."""
        offer = await self._bearer(access_token)
        offer_id, credential_id, state, expires = offer
        if state != "token" or expires is None or expires <= self._clock():
            raise _invalid_token(Said("wallet-token-spent"))
        if not isinstance(request, dict):
            raise WalletOAuthError("invalid_credential_request", Said("body-not-json-object"))
        configuration = request.get("credential_configuration_id")
        if configuration != CONFIGURATION_ID:
            raise WalletOAuthError(
                "unknown_credential_configuration",
                Said("wallet-configuration-unknown", configuration=CONFIGURATION_ID),
            )
        holder = self._proven_holder(request)
        notification_id = secrets.token_urlsafe(16)
        now = self._clock()
        changed = await self._session.execute(
            update(WalletExchangeRecord)
            .where(WalletExchangeRecord.id == offer_id, WalletExchangeRecord.state == "token")
            .values(
                state="collected",
                holder=holder,
                notification_id=notification_id,
                collected_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(changed, "rowcount", 0) != 1:
            raise _invalid_token(Said("wallet-token-used"))
        await record_collected(
            self._session,
            credential_id=credential_id,
            protocol="oid4vci",
            holder=holder,
            urls=self._urls,
            clock=self._clock,
        )
        credential = await signed_text(self._session, credential_id)
        return (
            b'{"credentials":[{"credential":'
            + credential
            + b'}],"notification_id":'
            + dumps(notification_id)
            + b"}"
        )

    async def notify(self, access_token: str | None, request: Any) -> None:  # noqa: ANN401 - JSON
        """§11: the wallet says whether it kept the credential; recorded in the audit trail."""
        offer_id, credential_id, _, expires = await self._bearer(access_token)
        if expires is None or expires <= self._clock():
            raise _invalid_token(Said("token-expired"))
        if not isinstance(request, dict) or request.get("event") not in _NOTIFICATION_EVENTS:
            raise WalletOAuthError(
                "invalid_notification_request",
                Said("wallet-event-unknown", events=sorted(_NOTIFICATION_EVENTS)),
            )
        notification_id = request.get("notification_id")
        if not isinstance(notification_id, str):
            raise WalletOAuthError(
                "invalid_notification_id", Said("wallet-notification-id-required")
            )
        changed = await self._session.execute(
            update(WalletExchangeRecord)
            .where(
                WalletExchangeRecord.id == offer_id,
                WalletExchangeRecord.state == "collected",
                WalletExchangeRecord.notification_id == notification_id,
            )
            .values(notified=request["event"])
            .execution_options(synchronize_session=False)
        )
        if getattr(changed, "rowcount", 0) != 1:
            raise WalletOAuthError(
                "invalid_notification_id", Said("wallet-notification-id-unknown")
            )
        await record_event(
            self._session,
            actor="wallet",
            action="credential.wallet-notification",
            subject=str(credential_id),
            detail={"event": request["event"]},
            clock=self._clock,
        )

    async def _bearer(self, access_token: str | None) -> Any:  # noqa: ANN401 - a row
        if not access_token:
            raise _invalid_token(Said("wallet-token-required"))
        row = (
            await self._session.execute(
                select(
                    WalletExchangeRecord.id,
                    WalletExchangeRecord.credential_id,
                    WalletExchangeRecord.state,
                    WalletExchangeRecord.token_expires_at,
                ).where(WalletExchangeRecord.access_token_hash == digest(access_token))
            )
        ).first()
        if row is None:
            raise _invalid_token(Said("token-invalid"))
        return row

    def _proven_holder(self, request: dict[str, Any]) -> str | None:
        """The key a proof JWT proves possession of (its did:key), when the wallet sent one."""
        proofs = request.get("proofs")
        single = request.get("proof")
        if proofs is None and single is None:
            return None
        if isinstance(proofs, dict) and isinstance(proofs.get("jwt"), list) and proofs["jwt"]:
            tokens = proofs["jwt"]
        elif isinstance(single, dict) and single.get("proof_type") == "jwt":
            tokens = [single.get("jwt")]
        else:
            raise WalletOAuthError("invalid_proof", Said("proof-type-unsupported"))
        holders = {self._check_proof(token) for token in tokens}
        return sorted(h for h in holders if h)[0] if any(holders) else None

    def _check_proof(self, token: object) -> str | None:
        if not isinstance(token, str) or len(token) > 8000:
            raise WalletOAuthError("invalid_proof", Said("proof-not-compact"))
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise WalletOAuthError("invalid_proof", Said("proof-not-jwt")) from None
        if header.get("typ") != PROOF_TYPE:
            raise WalletOAuthError("invalid_proof", Said("proof-typ", typ=PROOF_TYPE))
        key, holder = _proof_key(header)
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=["EdDSA", "ES256"],
                audience=self._links.issuer,
                options={"require": ["iat", "aud"], "verify_iat": False},
            )
        except jwt.PyJWTError as error:
            raise WalletOAuthError(
                "invalid_proof", Said("proof-unverified", reason=str(error))
            ) from None
        if abs(time.time() - float(claims["iat"])) > NONCE_SECONDS:
            raise WalletOAuthError("invalid_proof", Said("proof-iat-stale"))
        if not self._nonce_is_fresh(claims.get("nonce")):
            raise WalletOAuthError("invalid_nonce", Said("proof-nonce-stale"))
        return holder


def _proof_key(header: dict[str, Any]) -> tuple[PublicKey, str | None]:
    try:
        if "jwk" in header:
            return public_key_from_jwk(header["jwk"]), None
        kid = header.get("kid")
        if isinstance(kid, str) and kid.startswith("did:key:"):
            did = kid.split("#", 1)[0]
            return public_key_from_multibase(did.removeprefix("did:key:")), did
    except InvalidKey as error:
        raise WalletOAuthError(
            "invalid_proof", Said("proof-key-unusable", reason=str(error))
        ) from None
    raise WalletOAuthError("invalid_proof", Said("proof-key-unnamed"))


def _invalid_token(description: Said) -> WalletOAuthError:
    return WalletOAuthError("invalid_token", description, status=401)
