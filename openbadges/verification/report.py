"""The verification report: one entry per check, with a stable code and a human message.

Codes are part of the API (the service documents and translates them) and do not change
without a new version; messages are English and may be reworded.
"""

from dataclasses import dataclass, field
from typing import Literal

from openbadges.jsontypes import JSONObject

__all__ = ["CHECK_CODES", "Check", "CheckStatus", "VerificationResult"]

CheckStatus = Literal["passed", "failed", "warning", "skipped"]

CHECK_CODES = {
    "format": "The input is a credential: JSON-LD, a VC-JWT, or a baked PNG/SVG image.",
    "context": "The @context starts with the VC context and names the OB 3.0 context.",
    "jsonld-terms": "Every term is defined by a context, no IRI is relative (JSON-LD safe mode).",
    "canonicalization": (
        "Only when it fails: RDFC-1.0 canonicalisation would exceed its work budget or time cap "
        "(a poisoned dataset), so the credential is refused before its proof is checked."
    ),
    "schema": "The credential matches the OB 3.0 AchievementCredential schema.",
    "proof": "A proof's signature verifies (one entry per proof).",
    "issuer-key": "The signing key is resolvable and is the issuer's assertion method.",
    "valid-from": "The credential is already valid (validFrom or issuanceDate).",
    "valid-until": "The credential has not expired (validUntil or expirationDate).",
    "status": "The credential is neither revoked nor suspended (one entry per status).",
    "recipient": "The credential was awarded to the given identifier.",
}
"""Every check code, with what it checks."""


@dataclass(frozen=True)
class Check:
    """One check's outcome.

    Attributes:
        code: one of `CHECK_CODES`.
        status: passed, failed, warning (not a failure, but worth telling) or skipped.
        message: what was found, for people.
        detail: machine-readable context, e.g. ``{"proof": 0}`` or ``{"terms": [...]}``.
    """

    code: str
    status: CheckStatus
    message: str
    detail: JSONObject = field(default_factory=dict)


@dataclass(frozen=True)
class VerificationResult:
    """What `verify` found.

    Attributes:
        verified: True only when no check failed.
        checks: the checks in the order they ran.
        credential: the credential that was checked (from the JWT payload or the image when
            it came in another form), or None when the input could not be read.
        format: ``"json-ld"`` or ``"jwt"``, or None when the input could not be read.
    """

    checks: tuple[Check, ...]
    credential: JSONObject | None = None
    format: Literal["json-ld", "jwt"] | None = None

    @property
    def verified(self) -> bool:
        """True when at least one check ran and none failed."""
        return bool(self.checks) and all(check.status != "failed" for check in self.checks)

    def to_json(self) -> JSONObject:
        """The report as JSON (what the command line prints)."""
        return {
            "verified": self.verified,
            "format": self.format,
            "checks": [
                {
                    "code": c.code,
                    "status": c.status,
                    "message": c.message,
                    **({"detail": c.detail} if c.detail else {}),
                }
                for c in self.checks
            ],
        }
