"""The rules an achievement's definition must meet, whoever writes it (REST or the CLI).

Prompt keys are what platforms send answers under: lowercase, stable across versions, unique
within an achievement. Alignment types are OB 3.0's AlignmentTargetType: one of its values,
or an extension ``ext:<name>``.
"""

import re
from collections.abc import Iterable

from service.domain.catalogue.achievements import Alignment, Prompt
from service.domain.errors import FieldProblem
from service.domain.texts import Said

MAX_ANSWER_LENGTH = 20_000
# How many of each an achievement may have (REST, CLI): real bounds GraphQL's cost counts by.
MAX_PROMPTS = 50
MAX_ALIGNMENTS = 50
MAX_TAGS = 50
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,199}$")
PROMPT_KEY = re.compile(r"^[a-z0-9_-]{1,100}$")
# OB 3.0 §B.2.3 AlignmentTargetType
TARGET_TYPES = frozenset(
    {
        "ceasn:Competency",
        "ceterms:Credential",
        "CFItem",
        "CFRubric",
        "CFRubricCriterion",
        "CFRubricCriterionLevel",
        "CTDL",
    }
)
EXTENSION_TYPE = re.compile(r"^ext:[A-Za-z0-9._-]+$")
ABSOLUTE_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")


def slug_problems(slug: str) -> list[FieldProblem]:
    if SLUG.match(slug):
        return []
    return [FieldProblem("slug", Said("slug-form"))]


def prompt_problems(prompts: Iterable[Prompt]) -> list[FieldProblem]:
    problems: list[FieldProblem] = _count_problems("prompts", prompts, MAX_PROMPTS)
    seen: set[str] = set()
    for position, prompt in enumerate(prompts):
        where = f"prompts[{position}]"
        if not PROMPT_KEY.match(prompt.key):
            problems.append(FieldProblem(f"{where}.key", Said("prompt-key-form")))
        elif prompt.key in seen:
            problems.append(FieldProblem(f"{where}.key", Said("prompt-key-twice", key=prompt.key)))
        seen.add(prompt.key)
        if not prompt.text.strip():
            problems.append(FieldProblem(f"{where}.text.fr", Said("field-blank")))
        if prompt.text_en is not None and not prompt.text_en.strip():
            problems.append(FieldProblem(f"{where}.text.en", Said("field-blank-when-given")))
        if not 0 <= prompt.min_length <= prompt.max_length <= MAX_ANSWER_LENGTH:
            problems.append(
                FieldProblem(where, Said("answer-length-range", most=MAX_ANSWER_LENGTH))
            )
    return problems


def alignment_problems(alignments: Iterable[Alignment]) -> list[FieldProblem]:
    problems: list[FieldProblem] = _count_problems("alignments", alignments, MAX_ALIGNMENTS)
    for position, alignment in enumerate(alignments):
        where = f"alignments[{position}]"
        if not alignment.name.strip():
            problems.append(FieldProblem(f"{where}.name", Said("field-blank")))
        if not ABSOLUTE_URL.match(alignment.url):
            problems.append(FieldProblem(f"{where}.url", Said("http-url-form")))
        if alignment.type not in TARGET_TYPES and not EXTENSION_TYPE.match(alignment.type):
            problems.append(
                FieldProblem(
                    f"{where}.type",
                    Said("alignment-type", types=", ".join(sorted(TARGET_TYPES))),
                )
            )
    return problems


def text_problems(**texts: str) -> list[FieldProblem]:
    """Fields that must say something."""
    return [
        FieldProblem(_camel(name), Said("field-blank"))
        for name, text in texts.items()
        if not text.strip()
    ]


def tag_problems(tags: Iterable[str]) -> list[FieldProblem]:
    return _count_problems("tags", tags, MAX_TAGS) + [
        FieldProblem(f"tags[{position}]", Said("field-blank"))
        for position, tag in enumerate(tags)
        if not tag.strip()
    ]


def _count_problems(field: str, items: Iterable[object], most: int) -> list[FieldProblem]:
    count = sum(1 for _ in items)
    return (
        [FieldProblem(field, Said("at-most-items", most=most, count=count))] if count > most else []
    )


def level_problems(level: int) -> list[FieldProblem]:
    return [] if 1 <= level <= 1000 else [FieldProblem("level", Said("level-range"))]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
