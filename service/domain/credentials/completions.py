"""A training completion as a platform reports it, and the rules it must meet."""

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email

from openbadges.identity import normalise_email
from service.domain.catalogue.achievements import Achievement, AchievementService
from service.domain.clients.clients import Principal
from service.domain.clock import Clock
from service.domain.credentials.hours import hours_problems
from service.domain.errors import Archived, FieldProblem, InvalidInput, NotFound
from service.domain.issuers.issuers import IssuerService
from service.domain.texts import Said

CLOCK_SKEW = timedelta(minutes=5)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Learner:
    email: str
    name: str
    id: str | None = None


@dataclass(frozen=True)
class Reflection:
    prompt: str
    answer: str


@dataclass(frozen=True)
class Completion:
    """A completion normalised before anything is hashed or signed.

    Text is NFC; the e-mail is folded as the recipient check folds it (`normalise_email`).
    """

    achievement: str
    external_id: str
    learner: Learner
    completed_at: datetime
    share_reflections: bool
    reflections: tuple[Reflection, ...]
    hours: float | None = None  # done, when fewer than the achievement's (or it states none)

    @classmethod
    def normalised(cls, **values: Any) -> "Completion":  # noqa: ANN401 - forwarded as is
        learner: Learner = values.pop("learner")
        reflections: tuple[Reflection, ...] = values.pop("reflections")
        return cls(
            learner=Learner(normalise_email(learner.email), _nfc(learner.name).strip(), learner.id),
            reflections=tuple(Reflection(r.prompt, _nfc(r.answer)) for r in reflections),
            **values,
        )

    def to_canonical(self) -> dict[str, Any]:
        return {
            "achievement": self.achievement,
            "externalId": self.external_id,
            "learner": [self.learner.email, self.learner.name, self.learner.id],
            "completedAt": self.completed_at.isoformat(),
            "shareReflections": self.share_reflections,
            "reflections": [[r.prompt, r.answer] for r in self.reflections],
            # Only when given: completions recorded before hours existed keep their fingerprint.
            **({"hours": self.hours} if self.hours is not None else {}),
        }

    def hours_done(self, achievement: Achievement) -> float | None:
        """The hours the badge states: those reported, else the achievement's."""
        return self.hours if self.hours is not None else achievement.hours


async def validate_completion(
    completion: Completion,
    client: Principal,
    achievements: AchievementService,
    issuers: IssuerService,
    clock: Clock,
) -> Achievement:
    """Check every rule and report every broken one at once; returns the achievement."""
    problems: list[FieldProblem] = []
    try:
        achievement = await achievements.get(completion.achievement)
    except NotFound:
        raise InvalidInput(
            [
                FieldProblem(
                    "achievement", Said("achievement-not-in-catalogue", slug=completion.achievement)
                )
            ]
        ) from None
    if achievement.archived_at is not None:
        raise Archived(Said("achievement-archived-completion", slug=achievement.slug))
    issuer = (await issuers.signing_keys(achievement.issuer_id)).issuer
    if issuer.slug not in client.issuer_slugs:
        problems.append(FieldProblem("achievement", Said("issuer-not-allowed", slug=issuer.slug)))
    problems += _learner_problems(completion.learner)
    problems += _date_problems(completion.completed_at, clock())
    problems += _reflection_problems(completion.reflections, achievement)
    problems += hours_problems("hours", completion.hours, most=achievement.hours)
    if not completion.external_id.strip():
        problems.append(FieldProblem("externalId", Said("field-blank")))
    if problems:
        raise InvalidInput(problems)
    return achievement


def _learner_problems(learner: Learner) -> list[FieldProblem]:
    problems = []
    try:
        validate_email(learner.email, check_deliverability=False)
    except EmailNotValidError as error:
        problems.append(FieldProblem("learner.email", Said("email-invalid", reason=str(error))))
    if not learner.name:
        problems.append(FieldProblem("learner.name", Said("field-blank")))
    if learner.id is not None and ":" not in learner.id:
        problems.append(FieldProblem("learner.id", Said("learner-id-form")))
    return problems


def _date_problems(completed_at: datetime, now: datetime) -> list[FieldProblem]:
    if completed_at.tzinfo is None:
        return [FieldProblem("completedAt", Said("date-needs-zone"))]
    if completed_at > now + CLOCK_SKEW:
        return [FieldProblem("completedAt", Said("date-in-future"))]
    if completed_at < EARLIEST:
        return [FieldProblem("completedAt", Said("date-before-2000"))]
    return []


def _reflection_problems(
    reflections: tuple[Reflection, ...], achievement: Achievement
) -> list[FieldProblem]:
    prompts = {prompt.key: prompt for prompt in achievement.prompts}
    problems = []
    seen: set[str] = set()
    for position, reflection in enumerate(reflections):
        where = f"reflections[{position}]"
        prompt = prompts.get(reflection.prompt)
        if prompt is None:
            problems.append(
                FieldProblem(f"{where}.prompt", Said("prompt-unknown", key=reflection.prompt))
            )
            continue
        if reflection.prompt in seen:
            problems.append(
                FieldProblem(
                    f"{where}.prompt", Said("prompt-answered-twice", key=reflection.prompt)
                )
            )
        seen.add(reflection.prompt)
        length = len(reflection.answer.strip())
        if not prompt.min_length <= length <= prompt.max_length:
            problems.append(
                FieldProblem(
                    f"{where}.answer",
                    Said(
                        "answer-length",
                        least=prompt.min_length,
                        most=prompt.max_length,
                        length=length,
                    ),
                )
            )
    for prompt in achievement.prompts:
        if prompt.is_required and prompt.key not in seen:
            problems.append(FieldProblem("reflections", Said("prompt-unanswered", key=prompt.key)))
    return problems


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
