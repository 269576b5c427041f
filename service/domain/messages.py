"""Verification messages for people, in French or English (``Accept-Language``).

The sentences come from the library's `openbadges.verification.wording`: each says what a
check's outcome means for the reader, and the check's technical message stays as ``reason``
in its ``detail``.
"""

from typing import Any

from openbadges.verification import Check
from openbadges.verification.wording import Language, explain

__all__ = ["Language", "localise", "pick_language"]


def localise(check: Check, language: Language) -> dict[str, Any]:
    """One report entry: code and status (stable), message (for people), detail."""
    detail: dict[str, Any] = {**check.detail, "reason": check.message}
    if check.cause is not None:
        detail["cause"] = check.cause
    return {
        "code": check.code,
        "status": check.status,
        "message": explain(check, language),
        "detail": detail,
    }


def pick_language(accept_language: str | None) -> Language:
    """French when the request prefers it over English, else English."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("fr"):
            return "fr"
        if tag.startswith("en"):
            return "en"
    return "en"
