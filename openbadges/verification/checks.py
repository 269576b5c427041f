"""The checks that need no key: format, context, terms, schema, dates and recipient."""

from datetime import datetime

from openbadges.canonical import Canonicalized
from openbadges.errors import InvalidDocument
from openbadges.identity import matches_identity
from openbadges.jsontypes import JSONObject
from openbadges.models import AchievementCredential
from openbadges.models.base import parse_datetime
from openbadges.models.documents import from_document
from openbadges.schema import SchemaValidator
from openbadges.verification.report import Check

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/context"
# The OB 3.0 beta context under the URL the JFF x VC-EDU plugfest 1 issued with (2022).
OB_BETA_CONTEXTS = frozenset(
    {"https://w3c-ccg.github.io/vc-ed/plugfest-1-2022/jff-vc-edu-plugfest-1-context.json"}
)
OB_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})


def types_of(document: JSONObject) -> set[str]:
    """The ``type`` values, whether one string or a list."""
    value = document.get("type")
    values = value if isinstance(value, list) else [value]
    return {item for item in values if isinstance(item, str)}


def is_open_badge(credential: JSONObject) -> bool:
    """Whether the credential claims to be an OB 3.0 AchievementCredential."""
    return bool(types_of(credential) & OB_TYPES)


def check_context(credential: JSONObject) -> Check:
    """VC-DM 2.0 §4.3 (and 1.1): the first context is the VC one; OB needs its own context."""
    context = credential.get("@context")
    urls = list(context) if isinstance(context, list) else [context]
    if not urls or urls[0] not in (VC_V2, VC_V1):
        return Check("context", "failed", "the first @context must be the VC 2.0 (or 1.1) context")
    if "VerifiableCredential" not in types_of(credential):
        return Check("context", "failed", "type must include VerifiableCredential")
    if is_open_badge(credential) and not any(
        isinstance(url, str) and url.startswith(OB_CONTEXT_PREFIX) for url in urls
    ):
        if any(isinstance(url, str) and url in OB_BETA_CONTEXTS for url in urls):
            return Check(
                "context", "warning", "the OB 3.0 beta context of 2022 (JFF plugfests), not 3.0"
            )
        return Check("context", "failed", "an Open Badges credential must use the OB 3.0 context")
    version = "VC 2.0" if urls[0] == VC_V2 else "VC 1.1"
    return Check("context", "passed", f"{version} credential with known contexts")


def check_terms(canonical: Canonicalized) -> Check:
    """JSON-LD safe mode: dropped terms are unsigned data, so they fail the credential."""
    if canonical.undefined_terms or canonical.relative_iris:
        return Check(
            "jsonld-terms",
            "failed",
            "the credential has data that no context defines, so it is not signed",
            {
                "undefinedTerms": sorted(canonical.undefined_terms),
                "relativeIris": sorted(canonical.relative_iris),
            },
        )
    if canonical.issuer_dependent_terms:
        return Check(
            "jsonld-terms",
            "warning",
            "some terms are issuer-dependent: signed, but with no agreed meaning",
            {"issuerDependentTerms": sorted(canonical.issuer_dependent_terms)},
        )
    return Check("jsonld-terms", "passed", "every term is defined by a context")


def check_schema(credential: JSONObject, schema: SchemaValidator | None) -> Check:
    """The 1EdTech JSON Schema when given, else the OB 3.0 data model's types."""
    if not is_open_badge(credential):
        return Check("schema", "skipped", "not an Open Badges credential")
    context = credential.get("@context")
    contexts = context if isinstance(context, list) else [context]
    if any(isinstance(url, str) and url in OB_BETA_CONTEXTS for url in contexts):
        return Check("schema", "skipped", "an OB 3.0 beta credential: the 3.0 model does not apply")
    if schema is not None:
        errors = schema.errors(credential)
        if errors:
            return Check(
                "schema",
                "failed",
                "the credential does not match the OB 3.0 schema",
                {"errors": errors},
            )
        return Check("schema", "passed", f"matches {schema.id or 'the OB 3.0 JSON Schema'}")
    try:
        from_document(credential, AchievementCredential)
    except InvalidDocument as error:
        return Check(
            "schema", "failed", f"the credential does not fit the OB 3.0 data model: {error}"
        )
    return Check(
        "schema", "passed", "fits the OB 3.0 data model (1EdTech JSON Schema not configured)"
    )


def check_dates(credential: JSONObject, now: datetime) -> list[Check]:
    """VC-DM 2.0 §4.9 validity period (``issuanceDate``/``expirationDate`` in VC 1.1)."""
    start_name = "validFrom" if "validFrom" in credential else "issuanceDate"
    end_name = "validUntil" if "validUntil" in credential else "expirationDate"
    context = credential.get("@context")
    is_vc1 = (context[0] if isinstance(context, list) and context else context) == VC_V1
    return [
        _date_check(
            "valid-from", credential.get(start_name), start_name, now, is_start=True, is_vc1=is_vc1
        ),
        _date_check("valid-until", credential.get(end_name), end_name, now, is_start=False),
    ]


def _date_check(
    code: str, value: object, name: str, now: datetime, *, is_start: bool, is_vc1: bool = False
) -> Check:
    if value is None:
        if is_start and name == "issuanceDate" and is_vc1:
            return Check(code, "failed", "a VC 1.1 credential needs issuanceDate")
        return Check(
            code, "passed", f"no {name}: no {'start' if is_start else 'end'} to the validity period"
        )
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
    except (InvalidDocument, ValueError):
        moment = None
    if moment is None:
        return Check(code, "failed", f"{name} is not a date-time with a time zone: {value!r}")
    detail = {name: value, "now": now.isoformat()}
    if is_start and moment > now:
        return Check(code, "failed", f"not valid yet: valid from {value}", detail)
    if not is_start and moment <= now:
        return Check(code, "failed", f"expired on {value}", detail)
    return Check(code, "passed", f"{name} {value}", detail)


def check_recipient(credential: JSONObject, identifier: str) -> Check:
    """OB 3.0 "Verify the Recipient Using an Identifier"."""
    subjects = credential.get("credentialSubject")
    subject = subjects[0] if isinstance(subjects, list) and subjects else subjects
    identities = subject.get("identifier") if isinstance(subject, dict) else None
    entries = identities if isinstance(identities, list) else [identities] if identities else []
    if not entries:
        return Check("recipient", "failed", "the credential names no recipient identifier")
    try:
        is_match = any(isinstance(e, dict) and matches_identity(e, identifier) for e in entries)
    except InvalidDocument as error:
        return Check("recipient", "failed", f"the recipient identifier is malformed: {error}")
    if is_match:
        return Check("recipient", "passed", "awarded to the given identifier")
    return Check("recipient", "failed", "not awarded to the given identifier")
