"""Wallets collect badges: the offer (platforms), the VC-API exchange and OID4VCI 1.0.

The protocol endpoints need no account: the offer's secret reference (in its URLs) and the
pre-authorized code derived from it are the capability, single use and short-lived. VC-API
refusals are problem details (RFC 9457); OID4VCI's are OAuth-style JSON (``error``,
``error_description``), as its clients expect.
"""

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, URLEncodedBody

from service.api.bodies import decode_strict, read_json
from service.api.dependencies import Authorization, requires
from service.api.errors import problems
from service.domain.clients.clients import Principal
from service.domain.errors import InvalidInput
from service.domain.texts import Said
from service.domain.wallet.links import WalletLinks
from service.domain.wallet.offers import Offer
from service.domain.wallet.oid4vci import (
    WalletOAuthError,
    authorization_server_metadata,
    issuer_metadata,
)
from service.pipelines.wallet import collect_by_presentation
from service.runtime import Runtime

_NO_STORE = {"Cache-Control": "no-store"}


class ExchangeIn(msgspec.Struct, kw_only=True, rename="camel"):
    """``{}`` begins the exchange; the wallet then sends its signed presentation."""

    verifiable_presentation: dict[str, Any] | None = None


class ExchangeOut(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """A DID Authentication request, or the presentation holding the badge and where to go."""

    verifiable_presentation_request: dict[str, Any] | None = None
    verifiable_presentation: dict[str, Any] | None = None
    redirect_url: str | None = None


class CredentialRequestIn(msgspec.Struct, kw_only=True):
    """OID4VCI 1.0 §8.2: which configuration, and the key proof when the wallet sends one."""

    credential_configuration_id: str | None = None
    proof: dict[str, Any] | None = None
    proofs: dict[str, Any] | None = None


class NotificationIn(msgspec.Struct, kw_only=True):
    """OID4VCI 1.0 §11.1."""

    notification_id: str
    event: Annotated[str, msgspec.Meta(examples=["credential_accepted"])]
    event_description: str | None = None


def _describe_exchange(data: ExchangeIn) -> None:
    """Never called: its ``data`` is the body the OpenAPI shows (read by `read_json`)."""


def _describe_credential_request(data: CredentialRequestIn) -> None:
    """Never called: as `_describe_exchange`, for the credential request."""


def _describe_notification(data: NotificationIn) -> None:
    """Never called: as `_describe_exchange`, for the notification."""


Reference = Annotated[str, msgspec.Meta(max_length=100)]


class WalletOfferOut(msgspec.Struct, kw_only=True, rename="camel"):
    interaction_url: Annotated[
        str, msgspec.Meta(description="VCALM interaction URL (?iuv=1): the QR code to scan")
    ]
    lcw_url: Annotated[
        str, msgspec.Meta(description="the Learner Credential Wallet's deep link (same phone)")
    ]
    credential_offer: Annotated[
        str, msgspec.Meta(description="OID4VCI: openid-credential-offer://?credential_offer_uri=…")
    ]
    expires_at: Annotated[datetime, msgspec.Meta(description="the offer's end; used once")]

    @classmethod
    def from_domain(cls, offer: Offer) -> "WalletOfferOut":
        return cls(
            interaction_url=offer.interaction_url,
            lcw_url=offer.lcw_url,
            credential_offer=offer.credential_offer,
            expires_at=offer.expires_at,
        )


class WalletOfferController(Controller):
    path = "/api/v1/credentials"
    tags = ["Credentials"]
    dependencies = {"principal": requires("credentials:read")}

    @post(
        "/{credential_id:uuid}/wallet-offer",
        operation_id="CreateWalletOffer",
        status_code=201,
        responses=problems(401, 403, 404, 409),
    )
    async def create_offer(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        credential_id: FromPath[uuid.UUID],
    ) -> Response[WalletOfferOut]:
        """A short-lived, single-use offer for the earner's wallet (VC-API and OID4VCI)."""
        async with runtime.write(principal) as services:
            offer = await services.wallet.offers.for_platform(credential_id)
        return Response(WalletOfferOut.from_domain(offer), headers=_NO_STORE)


class VcApiController(Controller):
    """VCALM: the interaction URL and the exchange (DID Authentication, then the badge)."""

    path = "/wallet"
    tags = ["Wallet"]

    @get(
        "/interactions/{reference:str}",
        operation_id="GetWalletInteraction",
        responses=problems(404, 410),
    )
    async def interaction(
        self, runtime: NamedDependency[Runtime], reference: FromPath[Reference]
    ) -> Response[dict[str, Any]]:
        """The protocols a wallet may continue with: ``vcapi`` and ``OID4VCI``."""
        async with runtime.read() as services:
            protocols = await services.wallet.exchanges.protocols(reference)
        return Response(protocols, headers=_NO_STORE)

    @post(
        "/exchanges/{reference:str}",
        operation_id="ParticipateInWalletExchange",
        status_code=200,
        responses={
            200: ResponseSpec(
                ExchangeOut, description="a request, or the badge", generate_examples=False
            ),
            **problems(404, 410, 415, 422),
        },
        dependencies={"documented_body": Provide(_describe_exchange, sync_to_thread=False)},
    )
    async def exchange(
        self,
        request: Request[object, object, State],
        runtime: NamedDependency[Runtime],
        reference: FromPath[Reference],
    ) -> Response[Any]:
        """``{}``: a DID Authentication request; a signed presentation: the badge."""
        body = await read_json(request, dict[str, Any])
        presentation = body.get("verifiablePresentation")
        if presentation is None:
            async with runtime.write() as services:
                answer = await services.wallet.exchanges.start(reference)
            return Response(answer, headers=_NO_STORE)
        answer_bytes = await collect_by_presentation(runtime, reference, presentation)
        return Response(answer_bytes, media_type="application/json", headers=_NO_STORE)


def _oauth_error(_: Request[Any, Any, State], error: WalletOAuthError) -> Response[Any]:
    headers = dict(_NO_STORE)
    if error.status == 401:
        headers["WWW-Authenticate"] = f'Bearer error="{error.code}"'
    return Response(
        {"error": error.code, "error_description": str(error)},
        status_code=error.status,
        media_type="application/json",
        headers=headers,
    )


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


async def _json(request: Request[Any, Any, State], code: str) -> Any:  # noqa: ANN401 - JSON
    try:
        return decode_strict(await request.body(), dict[str, Any])
    except (HTTPException, InvalidInput) as error:
        raise WalletOAuthError(
            code, Said("body-not-json-object-because", reason=str(error))
        ) from None


class OAuthErrorOut(msgspec.Struct, kw_only=True):
    """OID4VCI and RFC 6749 §5.2 errors: a code and its description."""

    error: str
    error_description: str


_OAUTH_DESCRIPTIONS = {
    400: "Refused: invalid_grant, invalid_request, invalid_proof, invalid_nonce…",
    401: "invalid_token: no access token, or one that was used or expired",
    404: "No such offer, or it was used or expired (invalid_request)",
}


def _oauth_errors(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI descriptions of OAuth-style error answers (400 always: malformed input)."""
    return {
        status: ResponseSpec(
            OAuthErrorOut, description=_OAUTH_DESCRIPTIONS[status], generate_examples=False
        )
        for status in sorted({400, *statuses})
    }


def _malformed(_: Request[Any, Any, State], error: ValidationException) -> Response[Any]:
    """A parameter or form that does not fit, as RFC 6749 §5.2 says (not problem details)."""
    return _oauth_error(
        _,
        WalletOAuthError("invalid_request", Said("request-malformed-because", reason=error.detail)),
    )


class PreAuthorizedTokenRequest(msgspec.Struct, kw_only=True):
    grant_type: str | None = None
    pre_authorized_code: Annotated[str, msgspec.Meta(max_length=200)] | None = msgspec.field(
        default=None, name="pre-authorized_code"
    )
    tx_code: Annotated[str, msgspec.Meta(max_length=50)] | None = None


class WalletTokenOut(msgspec.Struct, kw_only=True):
    access_token: str
    token_type: str
    expires_in: int


class OpenIdIssuanceController(Controller):
    """OID4VCI 1.0: metadata, the offer by reference, token, nonce, credential, notification."""

    tags = ["Wallet"]
    exception_handlers = {WalletOAuthError: _oauth_error, ValidationException: _malformed}

    @get("/.well-known/openid-credential-issuer", operation_id="GetCredentialIssuerMetadata")
    async def issuer(self, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
        """Credential Issuer Metadata (§12.2), display names in French and English."""
        return issuer_metadata(WalletLinks(runtime.urls.base))

    @get(
        "/.well-known/oauth-authorization-server",
        operation_id="GetWalletAuthorizationServerMetadata",
    )
    async def authorization_server(self, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
        """RFC 8414 metadata of the wallet token endpoint (pre-authorized code grant only)."""
        return authorization_server_metadata(WalletLinks(runtime.urls.base))

    @get(
        "/wallet/offers/{reference:str}",
        operation_id="GetCredentialOffer",
        responses=_oauth_errors(404),
    )
    async def offer(
        self, runtime: NamedDependency[Runtime], reference: FromPath[Reference]
    ) -> Response[dict[str, Any]]:
        """The credential offer a ``credential_offer_uri`` names (§4.1.3)."""
        async with runtime.read() as services:
            offer = await services.wallet.oid4vci.offer(reference)
        return Response(offer, headers=_NO_STORE)

    @post(
        "/wallet/token",
        operation_id="CreateWalletToken",
        status_code=200,
        responses=_oauth_errors(),
    )
    async def token(
        self, runtime: NamedDependency[Runtime], data: URLEncodedBody[PreAuthorizedTokenRequest]
    ) -> Response[WalletTokenOut]:
        """Token request, pre-authorized code grant (§6): single use, transaction code if set."""
        if data.grant_type != "urn:ietf:params:oauth:grant-type:pre-authorized_code":
            raise WalletOAuthError("unsupported_grant_type", Said("wallet-grant-unsupported"))
        if not data.pre_authorized_code:
            raise WalletOAuthError("invalid_request", Said("wallet-code-required"))
        async with runtime.write() as services:
            issued = await services.wallet.oid4vci.token(data.pre_authorized_code, data.tx_code)
        if isinstance(issued, WalletOAuthError):
            raise issued
        out = WalletTokenOut(
            access_token=issued.access_token,
            token_type="Bearer",  # noqa: S106 - the type, not a secret
            expires_in=issued.expires_in,
        )
        return Response(out, headers=_NO_STORE)

    @post("/wallet/nonce", operation_id="CreateWalletNonce", status_code=200)
    async def nonce(self, runtime: NamedDependency[Runtime]) -> Response[dict[str, Any]]:
        """A fresh ``c_nonce`` for a proof of possession (§7)."""
        async with runtime.read() as services:
            nonce = services.wallet.oid4vci.nonce()
        return Response({"c_nonce": nonce}, headers=_NO_STORE)

    @post(
        "/wallet/credential",
        operation_id="IssueWalletCredential",
        status_code=200,
        security=[{"walletToken": []}],
        # 422: text no database can hold, refused by the shared input guard before this route
        responses={**problems(422), **_oauth_errors(401)},
        dependencies={
            "documented_body": Provide(_describe_credential_request, sync_to_thread=False)
        },
    )
    async def credential(
        self,
        request: Request[object, object, State],
        runtime: NamedDependency[Runtime],
        authorization: Authorization = None,
    ) -> Response[bytes]:
        """The stored credential as ``ldp_vc`` (§8), byte for byte, and a notification id."""
        body = await _json(request, "invalid_credential_request")
        async with runtime.write() as services:
            answer = await services.wallet.oid4vci.credential(_bearer(authorization), body)
        return Response(answer, media_type="application/json", headers=_NO_STORE)

    @post(
        "/wallet/notification",
        operation_id="NotifyWalletCredential",
        status_code=204,
        security=[{"walletToken": []}],
        # 422: text no database can hold, refused by the shared input guard before this route
        responses={**problems(422), **_oauth_errors(401)},
        dependencies={"documented_body": Provide(_describe_notification, sync_to_thread=False)},
    )
    async def notification(
        self,
        request: Request[object, object, State],
        runtime: NamedDependency[Runtime],
        authorization: Authorization = None,
    ) -> None:
        """The wallet says it kept, failed or deleted the credential (§11)."""
        body = await _json(request, "invalid_notification_request")
        async with runtime.write() as services:
            await services.wallet.oid4vci.notify(_bearer(authorization), body)


WALLET_ROUTES = [WalletOfferController, VcApiController, OpenIdIssuanceController]
