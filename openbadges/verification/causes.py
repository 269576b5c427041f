"""Why a check failed, when that changes what the failure means for the verdict.

A document that could not be had, a suite this library does not implement or a context that
is not bundled say nothing about the credential: the verdict is then "unverifiable", not
"invalid". A VC-JWT's signature covers its bytes, so JSON-LD findings there are warnings.
"""

from dataclasses import replace

from openbadges.errors import (
    BudgetExhausted,
    ContextNotFound,
    DocumentUnavailable,
    OpenBadgesError,
    UnsupportedCryptosuite,
)
from openbadges.jsontypes import JSONObject
from openbadges.proofs.jwt import decode_jwt_unverified
from openbadges.verification.report import Cause, Check

__all__ = ["cause_of", "terms_check_for_jwt", "unverified_payload"]


def cause_of(error: Exception) -> Cause | None:
    """The cause an exception stands for, or None when it proves the credential wrong."""
    if isinstance(error, BudgetExhausted):
        return "budget"
    if isinstance(error, DocumentUnavailable):
        return "unreachable"
    if isinstance(error, UnsupportedCryptosuite):
        return "unsupported"
    if isinstance(error, ContextNotFound):
        return "missing-context"
    return None


def terms_check_for_jwt(check: Check) -> Check:
    """Turn a failed JSON-LD terms check on a VC-JWT into a warning about meaning.

    VC-JOSE-COSE §3.1: the JWS secures the bytes, so no term is unsigned; a term without a
    definition (or a context that is not bundled) leaves its meaning open, nothing more.
    """
    if check.code != "jsonld-terms" or check.status != "failed":
        return check
    message = (
        "the JWS covers every byte, but some terms have no definition, so their meaning "
        f"is not agreed ({check.message})"
    )
    return replace(check, status="warning", message=message)


def unverified_payload(token: str) -> JSONObject | None:
    """The credential a VC-JWT claims to carry, read without checking its signature."""
    try:
        _, payload = decode_jwt_unverified(token)
    except OpenBadgesError:
        return None
    credential = payload.get("vc", payload)
    return credential if isinstance(credential, dict) else None
