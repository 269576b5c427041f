"""DID Authentication: check the presentation a wallet signs to answer a challenge.

VCALM (https://w3c.github.io/vcalm/) asks the holder for a ``DIDAuthentication`` query
(https://w3c-ccg.github.io/vp-request-spec/#did-authentication): a verifiable presentation
whose ``holder`` is a DID and whose ``authentication`` proof carries the exchange's challenge
and domain. The Learner Credential Wallet signs with ``Ed25519Signature2020`` (its
``@digitalcredentials/vc``); ``eddsa-rdfc-2022`` is accepted too. The holder must be did:key
(resolved from the identifier itself, whether its document is written with ``Multikey`` or
``Ed25519VerificationKey2020``: the key is the same), and the proof's verification method must
be one of the holder's own: a presentation signed with another key than its holder's is
refused, as are a wrong challenge and a wrong domain.
"""

from dataclasses import dataclass
from typing import Any

from openbadges.canonical import Canonicalized
from openbadges.contexts import ContextLoader
from openbadges.dids import resolve_did_key
from openbadges.errors import OpenBadgesError
from openbadges.keys import public_key_from_multibase
from openbadges.proofs import ed25519_signature_2020, eddsa_rdfc_2022

ACCEPTED_SUITES = (ed25519_signature_2020.PROOF_TYPE, eddsa_rdfc_2022.CRYPTOSUITE)
_LOADER = ContextLoader()  # bundled contexts only: nothing is fetched


class PresentationRefused(Exception):
    """The presentation does not authenticate the holder for this exchange (said why)."""


@dataclass(frozen=True)
class Authenticated:
    holder: str  # the holder's DID, proven by the signature


def authenticate(
    presentation: Any,  # noqa: ANN401 - untrusted JSON, checked here
    *,
    challenge: str,
    domain: str,
) -> Authenticated:
    """The holder of a presentation signed for `challenge` and `domain`; else refused."""
    if not isinstance(presentation, dict):
        raise PresentationRefused("verifiablePresentation must be an object")
    holder = _holder(presentation.get("holder"))
    proofs = presentation.get("proof")
    listed = proofs if isinstance(proofs, list) else [proofs]
    candidates: list[dict[str, Any]] = [p for p in listed if isinstance(p, dict)]
    if not candidates or len(candidates) != len(listed):
        raise PresentationRefused("the presentation carries no proof")
    reasons = []
    for proof in candidates:
        try:
            _check(presentation, proof, holder=holder, challenge=challenge, domain=domain)
        except PresentationRefused as refusal:
            reasons.append(str(refusal))
        else:
            return Authenticated(holder)
    raise PresentationRefused("; ".join(reasons))


def _holder(value: object) -> str:
    if isinstance(value, dict):
        value = value.get("id")
    if not isinstance(value, str) or not value.startswith("did:key:"):
        raise PresentationRefused("holder must be a did:key DID")
    if "#" in value or len(value) > 500:
        raise PresentationRefused("holder must be a DID, not a DID URL")
    try:
        resolve_did_key(value)
    except OpenBadgesError as error:
        raise PresentationRefused(f"holder is not a valid did:key: {error}") from None
    return value


def _check(
    presentation: dict[str, Any],
    proof: dict[str, Any],
    *,
    holder: str,
    challenge: str,
    domain: str,
) -> None:
    suite = (
        proof.get("type") if proof.get("type") != "DataIntegrityProof" else proof.get("cryptosuite")
    )
    if suite not in ACCEPTED_SUITES:
        raise PresentationRefused(
            f"unsupported proof {suite!r}: use one of {list(ACCEPTED_SUITES)}"
        )
    if proof.get("proofPurpose") != "authentication":
        raise PresentationRefused("the proof's purpose must be authentication")
    if proof.get("challenge") != challenge:
        raise PresentationRefused("the proof's challenge is not this exchange's")
    domains = proof.get("domain")
    if not (domains == domain or (isinstance(domains, list) and domain in domains)):
        raise PresentationRefused("the proof's domain is not this service's")
    method = proof.get("verificationMethod")
    if isinstance(method, dict):
        method = method.get("id")
    if not isinstance(method, str) or method.split("#", 1)[0] != holder:
        raise PresentationRefused("the proof was made with a key that is not the holder's")
    document = resolve_did_key(holder)
    fingerprint = holder.removeprefix("did:key:")
    if method not in document["authentication"] and method != f"{holder}#{fingerprint}":
        raise PresentationRefused("the verification method is not one of the holder's")
    try:
        canonical = _verify(presentation, proof, fingerprint)
    except OpenBadgesError as error:
        raise PresentationRefused(f"the proof does not verify: {error}") from None
    if not canonical.is_safe:
        raise PresentationRefused("the presentation has terms its contexts do not define")


def _verify(presentation: dict[str, Any], proof: dict[str, Any], fingerprint: str) -> Canonicalized:
    key = public_key_from_multibase(fingerprint)
    if proof.get("type") == ed25519_signature_2020.PROOF_TYPE:
        return ed25519_signature_2020.verify_proof(presentation, proof, key, loader=_LOADER)
    return eddsa_rdfc_2022.verify_proof(presentation, proof, key, loader=_LOADER)
