"""Builders of test documents: plain functions, real French text."""

from typing import Any

OB_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]

REFLECTION = (
    "Ce que je retiens du leadership pédagonumérique : « oser innover » au 21e siècle, "
    "c'est d'abord écouter l'équipe-école.\n- Partager les réussites\n- Accompagner les "
    "collègues\tpas à pas 😀"
)


def explorer_credential(
    issuer: str, *, answer: str = REFLECTION, name: str = "Explorateur"
) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential for the explorer level, issued by `issuer`."""
    return {
        "@context": list(OB_CONTEXT),
        "id": "urn:uuid:7f1c0c1e-52a3-4c49-9d3b-1d0f3b7b9a10",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": issuer,
            "type": ["Profile"],
            "name": "Réseau de développement professionnel",
        },
        "validFrom": "2026-11-21T16:42:05Z",
        "name": f"Leadership pédagonumérique 1 – {name}",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": "sha256$" + "3f0c1b0b9f2a9d1c" * 4,
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": "sel-de-mer",
                }
            ],
            "achievement": {
                "id": "https://insigne.example/achievements/leadership-pedagonumerique-1-explorateur",
                "type": ["Achievement"],
                "name": f"Leadership pédagonumérique 1 – {name}",
                "description": "Reconnaît l'exploration du leadership pédagonumérique à l'école.",
                "criteria": {
                    "narrative": "Suivre la formation et répondre aux trois questions réflexives."
                },
                "inLanguage": "fr-CA",
            },
        },
        "evidence": [
            {
                "id": "https://insigne.example/evidence/1",
                "type": ["Evidence"],
                "name": "Que retenez-vous du leadership pédagonumérique ?",
                "narrative": answer,
            }
        ],
    }
