"""The URLs of the wallet flows, built from the service's public URL (and parsed nowhere else).

The offer's secret reference is a path segment: the interaction URL (VCALM, ``?iuv=1``), the
VC-API exchange and the OID4VCI credential offer all carry it, so whoever holds one of them
may collect the badge once, as long as the offer lives.
"""

import json
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

CREDENTIAL_OFFER_SCHEME = "openid-credential-offer://"
LCW_REQUEST = "https://lcw.app/request"


@dataclass(frozen=True)
class WalletLinks:
    base: str  # the service's public URL, no trailing slash

    @property
    def issuer(self) -> str:
        """The OID4VCI Credential Issuer Identifier: the service itself."""
        return self.base

    @property
    def domain(self) -> str:
        """What a DID Authentication proof names as its ``domain``: this service's host."""
        return urlsplit(self.base).netloc

    def interaction(self, reference: str) -> str:
        return f"{self.base}/wallet/interactions/{reference}?iuv=1"

    def exchange(self, reference: str) -> str:
        return f"{self.base}/wallet/exchanges/{reference}"

    def offer_uri(self, reference: str) -> str:
        return f"{self.base}/wallet/offers/{reference}"

    def credential_offer(self, reference: str) -> str:
        """``openid-credential-offer://?credential_offer_uri=…`` (OID4VCI 1.0 §4.1.3)."""
        uri = quote(self.offer_uri(reference), safe="")
        return f"{CREDENTIAL_OFFER_SCHEME}?credential_offer_uri={uri}"

    def lcw(self, reference: str) -> str:
        """The Learner Credential Wallet's deep link to a VC-API exchange invitation.

        Its ``request`` parameter is the invitation's JSON (``credentialRequestOrigin`` and
        ``protocols.vcapi``), as LCW's ``parseWalletApiUrl`` reads it.
        """
        invitation = {
            "credentialRequestOrigin": self.base,
            "protocols": {"vcapi": self.exchange(reference)},
        }
        text = json.dumps(invitation, separators=(",", ":"))
        return f"{LCW_REQUEST}?request={quote(text, safe='')}"

    @property
    def token_endpoint(self) -> str:
        return f"{self.base}/wallet/token"

    @property
    def credential_endpoint(self) -> str:
        return f"{self.base}/wallet/credential"

    @property
    def nonce_endpoint(self) -> str:
        return f"{self.base}/wallet/nonce"

    @property
    def notification_endpoint(self) -> str:
        return f"{self.base}/wallet/notification"
