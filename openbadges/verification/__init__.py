"""Verification of credentials: the pipeline and its report."""

from openbadges.verification.budget import Budget
from openbadges.verification.memo import ProofMemo
from openbadges.verification.pipeline import verify
from openbadges.verification.report import CHECK_CODES, Check, CheckStatus, VerificationResult

__all__ = [
    "CHECK_CODES",
    "Budget",
    "Check",
    "CheckStatus",
    "ProofMemo",
    "VerificationResult",
    "verify",
]
