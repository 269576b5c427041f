"""Request bodies for the service tests."""

from typing import Any

from service.domain.demo import ACHIEVEMENT_SLUG

ANSWERS = {
    "retenir": (
        "Je retiens que le leadership pédagonumérique se vit d'abord en équipe : « oser » "
        "essayer, partager ses réussites et ses échecs, et accompagner les collègues au 21e siècle."
    ),
    "innovation": (
        "Le leadership pédagogique amorce le changement en donnant du temps et de la confiance : "
        "des communautés de pratique, des projets pilotes, des retours réflexifs réguliers.\n- essai\n- bilan"
    ),
    "impact": (
        "Les élèves développent leur pensée critique et leur créativité quand le numérique sert un "
        "projet réel ; l'impact se voit dans la qualité des échanges et l'autonomie des apprenants."
    ),
}


def completion(external_id: str = "moodle-42", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "achievement": ACHIEVEMENT_SLUG,
        "externalId": external_id,
        "learner": {"email": "marie.tremblay@exemple.qc.ca", "name": "Marie Tremblay"},
        "completedAt": "2026-11-20T14:03:12-05:00",
        "shareReflections": False,
        "reflections": [{"prompt": key, "answer": answer} for key, answer in ANSWERS.items()],
    }
    body.update(changes)
    return body
