"""The verification report: one entry per check, with a stable code and a human message.

Codes are part of the API (the service documents and translates them) and do not change
without a new version; messages are English and may be reworded.
"""

from dataclasses import dataclass, field
from typing import Literal

from openbadges.jsontypes import JSONObject
from openbadges.verification import wording

__all__ = [
    "CHECK_CODES",
    "UNVERIFIABLE_CAUSES",
    "Cause",
    "Check",
    "CheckStatus",
    "Verdict",
    "VerificationResult",
]

CheckStatus = Literal["passed", "failed", "warning", "skipped"]
Verdict = Literal["valid", "invalid", "unverifiable"]
Cause = Literal[
    "unreachable",
    "unsupported",
    "missing-context",
    "revoked",
    "suspended",
    "unverified",
    "budget",
]

UNVERIFIABLE_CAUSES = frozenset({"unreachable", "unsupported", "missing-context", "budget"})
"""Failures that say nothing about the credential: what they concern could not be checked."""

# The failure that decides an "invalid" verdict: the most telling first.
_DECISIVE_ORDER = (
    "budget",
    "format",
    "proof",
    "hosted",
    "issuer-key",
    "status",
    "valid-until",
    "valid-from",
    "recipient",
    "embedded",
)

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
    "hosted": "OB 2.0 hosted assertion: the issuer still publishes it, unchanged, on its origin.",
    "embedded": "CLR 2.0: one credential embedded in the record verifies (one entry each).",
    "budget": "The verification stayed within its budget (documents fetched, status entries, "
    "keys tried, time); failed, with the limit reached, when it ran out.",
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
        cause: why it failed when that changes what the failure means: a document that
            could not be had, an unsupported suite or a missing context (`UNVERIFIABLE_CAUSES`:
            nothing was learnt about the credential), or revoked / suspended.
    """

    code: str
    status: CheckStatus
    message: str
    detail: JSONObject = field(default_factory=dict)
    cause: Cause | None = None


@dataclass(frozen=True)
class VerificationResult:
    """What `verify` found.

    Attributes:
        verified: True only when no check failed.
        checks: the checks in the order they ran.
        credential: the credential that was checked (from the JWT payload or the image when
            it came in another form), or None when the input could not be read.
        format: ``"json-ld"`` or ``"jwt"``, or None when the input could not be read.
        unverified_credential: what the input claims when its signature did not verify
            (a tampered VC-JWT's payload): for showing as unverified claims, never as fact.
        embedded: a CLR 2.0 record's credentials, each one's own report, in the order of
            the record's ``embedded`` checks.
    """

    checks: tuple[Check, ...]
    credential: JSONObject | None = None
    format: Literal["json-ld", "jwt"] | None = None
    unverified_credential: JSONObject | None = None
    embedded: tuple["VerificationResult", ...] = ()

    @property
    def verified(self) -> bool:
        """True when at least one check ran and none failed."""
        return bool(self.checks) and all(check.status != "failed" for check in self.checks)

    @property
    def is_proven(self) -> bool:
        """True when a signature verified and none failed: the contents are the issuer's."""
        # An OB 2.0 hosted assertion is proven by the issuer's own copy, not a signature.
        proofs = [check for check in self.checks if check.code in ("proof", "hosted")]
        return bool(proofs) and all(check.status == "passed" for check in proofs)

    @property
    def verdict_check(self) -> Check | None:
        """The failed check that decides the verdict (None when the badge is valid).

        A failure that proves something (a bad signature, a revocation, an expiry) decides
        over one that could not be checked, so an expired badge whose issuer is offline is
        still "invalid".
        """
        failed = [check for check in self.checks if check.status == "failed"]
        telling = [check for check in failed if check.cause not in UNVERIFIABLE_CAUSES]
        for candidates in (telling, failed):
            for code in _DECISIVE_ORDER:
                for check in candidates:
                    if check.code == code:
                        return check
            if candidates:
                return candidates[0]
        return None

    @property
    def verdict(self) -> Verdict:
        """``valid``, ``invalid`` (`verdict_check` says why) or ``unverifiable``."""
        decisive = self.verdict_check
        if decisive is None:
            return "valid" if self.checks else "unverifiable"
        return "unverifiable" if decisive.cause in UNVERIFIABLE_CAUSES else "invalid"

    def to_json(self, language: wording.Language = "en") -> JSONObject:
        """The report as JSON (what the command line prints).

        Each message says what the check means for a person; the check's technical message
        is kept as ``detail.reason``.
        """
        decisive = self.verdict_check
        report: JSONObject = {
            "verified": self.verified,
            "verdict": self.verdict,
            "verdictReason": decisive.code if decisive is not None else None,
            "headline": wording.headline(self, language),
            "format": self.format,
            "checks": [
                {
                    "code": c.code,
                    "status": c.status,
                    "message": wording.explain(c, language),
                    "detail": {
                        **c.detail,
                        "reason": c.message,
                        **({"cause": c.cause} if c.cause else {}),
                    },
                }
                for c in self.checks
            ],
        }
        if self.embedded:  # CLR 2.0: each held credential's own report
            report["embedded"] = [nested.to_json(language) for nested in self.embedded]
        return report
