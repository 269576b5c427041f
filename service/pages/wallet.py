"""The earner's "add to my wallet" box on their manage page: QR codes and a deep link.

The QR codes are inline SVG (segno), so the page loads nothing from elsewhere and its strict
CSP holds; the offer's secrets are in the page only (``no-store``), never in a URL it links.
"""

from dataclasses import dataclass

import segno

from service.domain.wallet.offers import Offer
from service.pages.strings import Lang

TEXT: dict[Lang, dict[str, str]] = {
    "fr": {
        "wallet_title": "Ajouter à mon portefeuille numérique",
        "wallet_intro": "Gardez votre badge dans une application de portefeuille, comme "
        "Learner Credential Wallet. L'offre vaut pour une seule réception et expire bientôt.",
        "wallet_tx_option": "Protéger la réception par un code (portefeuilles OpenID)",
        "wallet_button": "Préparer l'ajout à mon portefeuille",
        "wallet_scan": "Avec un autre appareil : scannez ce code QR avec votre portefeuille.",
        "wallet_same_phone": "Sur ce téléphone : ouvrir dans Learner Credential Wallet",
        "wallet_openid": "Portefeuilles OpenID (OID4VCI) : scannez ce code QR.",
        "wallet_tx_code": "Code de transaction à saisir dans le portefeuille",
        "wallet_expires": "Cette offre expire à",
        "wallet_qr_interaction": "Code QR de l'offre pour portefeuille (VC-API)",
        "wallet_qr_openid": "Code QR de l'offre OpenID4VCI",
    },
    "en": {
        "wallet_title": "Add to your wallet",
        "wallet_intro": "Keep your badge in a wallet app such as the Learner Credential "
        "Wallet. The offer can be collected once and expires soon.",
        "wallet_tx_option": "Protect the pickup with a code (OpenID wallets)",
        "wallet_button": "Get my badge ready for my wallet",
        "wallet_scan": "From another device: scan this QR code with your wallet.",
        "wallet_same_phone": "On this phone: open in the Learner Credential Wallet",
        "wallet_openid": "OpenID wallets (OID4VCI): scan this QR code.",
        "wallet_tx_code": "Transaction code to type into the wallet",
        "wallet_expires": "This offer expires at",
        "wallet_qr_interaction": "QR code of the wallet offer (VC-API)",
        "wallet_qr_openid": "QR code of the OpenID4VCI offer",
    },
}


@dataclass(frozen=True)
class WalletBox:
    """What the template shows of a fresh offer."""

    offer: Offer
    interaction_qr: str  # inline SVG
    openid_qr: str
    expires: str  # HH:MM UTC


def wallet_box(offer: Offer, lang: Lang) -> WalletBox:
    t = TEXT[lang]
    return WalletBox(
        offer=offer,
        interaction_qr=_svg(offer.interaction_url, t["wallet_qr_interaction"]),
        openid_qr=_svg(offer.credential_offer, t["wallet_qr_openid"]),
        expires=offer.expires_at.strftime("%H:%M UTC"),
    )


def _svg(text: str, label: str) -> str:
    """A QR code as inline SVG, titled for screen readers, on a white quiet zone."""
    code = segno.make(text, error="m")
    return str(code.svg_inline(scale=4, border=4, light="#fff", title=label, svgclass="qr"))
