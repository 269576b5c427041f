"""CLR 2.0: the credentials a Comprehensive Learner Record holds, each verified on its own.

A ``ClrCredential`` (https://www.imsglobal.org/spec/clr/v2p0/#clrcredential) carries the
learner's credentials in ``credentialSubject.verifiableCredential``, each with its own proof
(the 1EdTech validator checks every one). The record's own proof says the record's issuer
assembled them; it does not make a forged or revoked credential inside it true. So each
embedded credential gets a full report of its own and one ``embedded`` check in the record's
report: passed when it is valid, failed when it is invalid, and failed with the cause that
stopped it when it could not be verified (the record is then unverifiable, not invalid).
"""

from collections.abc import Awaitable, Callable

from openbadges.jsontypes import JSONObject
from openbadges.verification import checks
from openbadges.verification.report import Check, VerificationResult

__all__ = ["CLR_TYPE", "MAX_DEPTH", "MAX_EMBEDDED", "check_embedded", "embedded_credentials"]

CLR_TYPE = "ClrCredential"
MAX_EMBEDDED = 256
"""Embedded credentials verified in one record; a record with more is unverifiable."""
MAX_DEPTH = 2
"""Records nested in records that are still opened (a CLR inside a CLR)."""

VerifyOne = Callable[[JSONObject | str], Awaitable[VerificationResult]]


def embedded_credentials(credential: JSONObject) -> list[object] | None:
    """The credentials a ClrCredential holds, or None when the credential is not one."""
    if CLR_TYPE not in checks.types_of(credential):
        return None
    subjects = credential.get("credentialSubject")
    found: list[object] = []
    for subject in subjects if isinstance(subjects, list) else [subjects]:
        if isinstance(subject, dict):
            held = subject.get("verifiableCredential")
            found.extend(held if isinstance(held, list) else [] if held is None else [held])
    return found


async def check_embedded(
    credential: JSONObject, verify_one: VerifyOne, depth: int
) -> tuple[list[Check], tuple[VerificationResult, ...]]:
    """One ``embedded`` check per credential of a CLR, and each credential's own report.

    Args:
        credential: the record (nothing happens unless it is a ClrCredential).
        verify_one: verifies one embedded credential (a JSON object or a compact VC-JWT).
        depth: how many records enclose this one.
    """
    held = embedded_credentials(credential)
    if held is None:
        return [], ()
    if depth >= MAX_DEPTH:
        return [_refused(f"a record nested {depth} deep in others is not opened")], ()
    if len(held) > MAX_EMBEDDED:
        return [_refused(f"{len(held)} credentials, over the {MAX_EMBEDDED} checked")], ()
    found: list[Check] = []
    reports: list[VerificationResult] = []
    for index, item in enumerate(held):
        if not isinstance(item, dict | str):
            found.append(
                Check("embedded", "failed", "an embedded credential must be an object or a JWT")
            )
            continue
        report = await verify_one(item)
        reports.append(report)
        found.append(_check_of(index, item, report))
    return found, tuple(reports)


def _check_of(index: int, item: JSONObject | str, report: VerificationResult) -> Check:
    credential = report.credential or report.unverified_credential or {}
    source = item if isinstance(item, dict) else credential
    identifier = source.get("id")
    decisive = report.verdict_check
    detail: JSONObject = {
        "index": index,
        "id": identifier if isinstance(identifier, str) else None,
        "verdict": report.verdict,
        "verdictReason": decisive.code if decisive is not None else None,
        "failed": [check.code for check in report.checks if check.status == "failed"],
    }
    name = identifier if isinstance(identifier, str) else f"credential {index}"
    if decisive is None:
        return Check("embedded", "passed", f"{name} is valid", detail)
    return Check(
        "embedded",
        "failed",
        f"{name}: {decisive.code} {decisive.status}: {decisive.message}",
        detail,
        decisive.cause,
    )


def _refused(reason: str) -> Check:
    return Check("embedded", "failed", f"not verified: {reason}", cause="unsupported")
