"""The demo data `insigne demo` loads: an issuer, the explorer badge and a platform client."""

from dataclasses import dataclass
from typing import Protocol

from service.domain.catalogue.achievements import (
    AchievementService,
    Alignment,
    NewAchievement,
    Prompt,
)
from service.domain.clients.clients import ClientService, NewClient
from service.domain.errors import NotFound
from service.domain.issuers.issuers import IssuerService

ISSUER_SLUG = "reseau-demo"
ACHIEVEMENT_SLUG = "leadership-pedagonumerique-1-explorateur"
CLIENT_NAME = "Plateforme de démonstration"
CRCN = "Cadre de référence de la compétence numérique"
CRCN_URL = "https://www.quebec.ca/education/numerique/cadre-reference-competence-numerique"

EXPLORER = NewAchievement(
    slug=ACHIEVEMENT_SLUG,
    track="Leadership pédagonumérique",
    level=1,
    level_name="Explorateur",
    name="Leadership pédagonumérique 1 – Explorateur",
    description=(
        "Reconnaît une personne qui a exploré le leadership pédagonumérique en milieu scolaire "
        "et réfléchi à son rôle dans l'innovation pédagogique de son milieu."
    ),
    criteria=(
        "Suivre la formation « Leadership pédagonumérique 1 » et déposer une preuve de "
        "développement professionnel : des réponses écrites aux trois questions réflexives."
    ),
    in_language="fr-CA",
    hours=3.0,  # continuing-education hours the training is worth
    tags=("leadership pédagonumérique", "niveau 1", "explorateur"),
    alignments=(
        Alignment(
            CRCN, "CRCN-11", "Innover et faire preuve de créativité avec le numérique", CRCN_URL
        ),
        Alignment(CRCN, "CRCN-5", "Collaborer à l'aide du numérique", CRCN_URL),
    ),
    prompts=(
        Prompt(
            "retenir",
            "Que retenez-vous du leadership pédagonumérique en milieu scolaire ?",
            100,
            20_000,
            True,
        ),
        Prompt(
            "innovation",
            "Comment le leadership pédagogique peut-il amorcer l'innovation et le changement "
            "dans votre milieu ?",
            100,
            20_000,
            True,
        ),
        Prompt(
            "impact",
            "Quel pourrait être l'impact de l'innovation pédagogique sur les compétences des "
            "apprenants de votre milieu ?",
            100,
            20_000,
            True,
        ),
    ),
)


@dataclass(frozen=True)
class Demo:
    """What `insigne demo` prints; ``client_secret`` is empty when it was not kept."""

    client_id: str
    client_secret: str
    issuer: str
    achievement: str


class DemoServices(Protocol):
    """The services a unit of work offers that loading the demo needs."""

    @property
    def issuers(self) -> IssuerService: ...
    @property
    def achievements(self) -> AchievementService: ...
    @property
    def clients(self) -> ClientService: ...


async def load_demo(services: DemoServices, kept: NewClient | None = None) -> Demo:
    """Create what is missing; the demo client's secret is never renewed.

    A secret is shown when the client is made; `kept` (the credentials saved then) is shown
    again as long as it still opens the client, so tokens handed out before stay valid.
    """
    issuers, achievements, clients = services.issuers, services.achievements, services.clients
    issuer = await issuers.find(ISSUER_SLUG) or await issuers.create(
        slug=ISSUER_SLUG,
        name="Réseau de développement professionnel pédagonumérique (démo)",
        url="https://insigne.example/reseau-demo",
        email="badges@insigne.example",
        description="Émetteur de démonstration d'Insigne.",
        actor="cli:demo",
    )
    try:
        await achievements.get(ACHIEVEMENT_SLUG)
    except NotFound:
        await achievements.create(issuer.id, EXPLORER)
    existing = await clients.find_by_name(CLIENT_NAME)
    if existing is None:
        client = await clients.create(
            name=CLIENT_NAME,
            scopes={"completions:write", "credentials:read"},
            issuer_slugs={ISSUER_SLUG},
            actor="cli:demo",
        )
        return Demo(client.client_id, client.client_secret, issuer.did, ACHIEVEMENT_SLUG)
    is_kept = (
        kept is not None
        and kept.client_id == existing
        and await clients.opens(existing, kept.client_secret)
    )
    secret = kept.client_secret if kept is not None and is_kept else ""
    return Demo(existing, secret, issuer.did, ACHIEVEMENT_SLUG)
