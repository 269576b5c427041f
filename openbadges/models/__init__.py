"""Open Badges 3.0 data model as frozen msgspec Structs.

Models build documents (`to_document`) and give typed views of documents (`from_document`).
Credentials themselves stay dicts: members a model does not know (extensions) are dropped by
a view, so sign, verify and store the document, never a re-encoded view.

https://www.imsglobal.org/spec/ob/v3p0/#data-model
"""

from openbadges.models.achievements import (
    Achievement,
    Alignment,
    Criteria,
    Related,
    ResultDescription,
    RubricCriterionLevel,
)
from openbadges.models.base import (
    EXTENSION_TYPES,
    OB_CONTEXT,
    OB_EXTENSIONS_CONTEXT,
    format_datetime,
    parse_datetime,
)
from openbadges.models.credentials import (
    AchievementCredential,
    AchievementSubject,
    Evidence,
    IdentityObject,
    OpenBadgeCredential,
    Result,
)
from openbadges.models.documents import from_document, to_document
from openbadges.models.profiles import (
    Address,
    EndorsementCredential,
    EndorsementSubject,
    GeoCoordinates,
    IdentifierEntry,
    Image,
    Profile,
)
from openbadges.models.vcdm import (
    CredentialSchema,
    CredentialStatus,
    Proof,
    RefreshService,
    RelatedResource,
    TermsOfUse,
    compute_digest_sri,
)

__all__ = [
    "EXTENSION_TYPES",
    "OB_CONTEXT",
    "OB_EXTENSIONS_CONTEXT",
    "Achievement",
    "AchievementCredential",
    "AchievementSubject",
    "Address",
    "Alignment",
    "CredentialSchema",
    "CredentialStatus",
    "Criteria",
    "EndorsementCredential",
    "EndorsementSubject",
    "Evidence",
    "GeoCoordinates",
    "IdentifierEntry",
    "IdentityObject",
    "Image",
    "OpenBadgeCredential",
    "Profile",
    "Proof",
    "RefreshService",
    "Related",
    "RelatedResource",
    "Result",
    "ResultDescription",
    "RubricCriterionLevel",
    "TermsOfUse",
    "compute_digest_sri",
    "format_datetime",
    "from_document",
    "parse_datetime",
    "to_document",
]
