"""The achievement a badge stands for: criteria, alignments and possible results."""

import msgspec

from openbadges.models.base import default_types, require_type
from openbadges.models.profiles import EndorsementCredential, IdentifierEntry, Image, Profile


class Alignment(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    """A link from an achievement or result to a node of a competency framework.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.alignment.class
    """

    type: tuple[str, ...] = msgspec.field(default_factory=default_types("Alignment"))
    target_name: str
    target_url: str
    target_code: str | None = None
    target_description: str | None = None
    target_framework: str | None = None
    target_type: str | None = None

    def __post_init__(self) -> None:
        require_type(self.type, "Alignment")


class Criteria(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    """What a learner must do to earn the achievement (a URL, a Markdown narrative, or both).

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.criteria.class
    """

    id: str | None = None
    narrative: str | None = None


class RubricCriterionLevel(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True
):
    """One level of a rubric criterion that a result may assert.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.rubriccriterionlevel.class
    """

    id: str
    type: tuple[str, ...] = msgspec.field(default_factory=default_types("RubricCriterionLevel"))
    name: str
    alignment: tuple[Alignment, ...] = ()
    description: str | None = None
    level: str | None = None
    points: str | None = None

    def __post_init__(self) -> None:
        require_type(self.type, "RubricCriterionLevel")


class ResultDescription(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True
):
    """A kind of result the achievement allows (a grade, a status, a rubric level...).

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.resultdescription.class
    """

    id: str
    type: tuple[str, ...] = msgspec.field(default_factory=default_types("ResultDescription"))
    name: str
    result_type: str
    alignment: tuple[Alignment, ...] = ()
    allowed_value: tuple[str, ...] = ()
    required_level: str | None = None
    required_value: str | None = None
    rubric_criterion_level: tuple[RubricCriterionLevel, ...] = ()
    value_max: str | None = None
    value_min: str | None = None

    def __post_init__(self) -> None:
        require_type(self.type, "ResultDescription")


class Related(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    """Another achievement to be treated as the same one (a translation, an earlier version).

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.related.class
    """

    id: str
    type: tuple[str, ...] = msgspec.field(default_factory=default_types("Related"))
    in_language: str | None = None
    version: str | None = None

    def __post_init__(self) -> None:
        require_type(self.type, "Related")


class Achievement(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    """The accomplishment a credential recognises; many credentials share one achievement.

    https://www.imsglobal.org/spec/ob/v3p0/#org.1edtech.ob.v3p0.achievement.class
    """

    id: str
    type: tuple[str, ...] = msgspec.field(default_factory=default_types("Achievement"))
    name: str
    description: str
    criteria: Criteria
    alignment: tuple[Alignment, ...] = ()
    achievement_type: str | None = None
    creator: Profile | None = None
    credits_available: float | None = None
    endorsement: tuple[EndorsementCredential, ...] = ()
    endorsement_jwt: tuple[str, ...] = ()
    field_of_study: str | None = None
    human_code: str | None = None
    image: Image | None = None
    in_language: str | None = None
    other_identifier: tuple[IdentifierEntry, ...] = ()
    related: tuple[Related, ...] = ()
    result_description: tuple[ResultDescription, ...] = ()
    specialization: str | None = None
    tag: tuple[str, ...] = ()
    version: str | None = None

    def __post_init__(self) -> None:
        require_type(self.type, "Achievement")
