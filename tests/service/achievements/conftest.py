"""Fixtures and bodies for the achievement administration tests."""

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jsonschema_rs
import pytest

from service.domain.demo import ISSUER_SLUG
from tests.service.conftest import Getter, MakeClient
from tests.service.factories import completion

SLUG = "atelier-ia-1-decouverte"
LD = {"Accept": "application/ld+json"}
HTML = {"Accept": "text/html", "Accept-Language": "fr-CA"}
PROMPT_V1 = "Qu'avez-vous essayé en classe avec l'IA ?"
PROMPT_V2 = "Décrivez une activité menée avec l'IA et ce qu'elle a changé."
ANSWER = "J'ai fait rédiger aux élèves des « contre-arguments » qu'ils ont ensuite vérifiés."

DEFINITION: dict[str, Any] = {
    "issuer": ISSUER_SLUG,
    "slug": SLUG,
    "name": "Atelier IA 1 – Découverte",
    "description": "Reconnaît une première expérimentation réfléchie de l'IA en classe.",
    "criteria": "Suivre l'atelier et **déposer** une réflexion écrite.",
    "track": "Atelier IA",
    "level": 1,
    "levelName": "Découverte",
    "prompts": [
        {
            "key": "essai",
            "text": {"fr": PROMPT_V1, "en": "What did you try in class with AI?"},
            "minLength": 20,
            "maxLength": 500,
        },
        {"key": "suite", "text": {"fr": "Et ensuite ?"}, "required": False},
    ],
    "alignments": [
        {
            "framework": "Cadre de référence de la compétence numérique",
            "code": "CRCN-12",
            "name": "Développer sa pensée critique envers le numérique",
            "url": "https://www.quebec.ca/education/numerique/cadre-reference-competence-numerique",
            "type": "ext:CRCN",
        },
        {
            "framework": "OCDE",
            "code": "OCDE-1",
            "name": "Pensée critique",
            "url": "https://www.oecd.org/education/",
        },
    ],
    "tags": ["intelligence artificielle", "niveau 1"],
}


def definition(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(DEFINITION)
    body.update(changes)
    return body


def answer(external_id: str, text: str = ANSWER, **changes: Any) -> dict[str, Any]:
    return completion(
        external_id, achievement=SLUG, reflections=[{"prompt": "essai", "answer": text}], **changes
    )


@pytest.fixture
async def admin(token: Getter, make_client: MakeClient) -> dict[str, str]:
    client_id, secret = await make_client(scopes={"admin"}, issuers={ISSUER_SLUG})
    return {"Authorization": f"Bearer {await token(None, client_id, secret)}"}


@pytest.fixture
async def platform(token: Getter) -> dict[str, str]:
    return {"Authorization": f"Bearer {await token()}"}


@pytest.fixture
async def created(client: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, Any]:
    response = await client.post("/api/v1/achievements", json=DEFINITION, headers=admin)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def path(url: str) -> str:
    return urlsplit(url).path


async def verified(client: httpx.AsyncClient, url: str) -> bool:
    report = (await client.post("/api/v1/verifications", json={"url": url})).json()
    return bool(report["verified"])


def achievement_schema_errors(shared: Path, document: dict[str, Any]) -> list[str]:
    """Errors against the OB 3.0 schema's Achievement alone (the class this package changes)."""
    full = json.loads(
        (shared / "ob-examples/ob_v3p0_achievementcredential_schema.json").read_text()
    )
    schema = {"$schema": full["$schema"], "$ref": "#/$defs/Achievement", "$defs": full["$defs"]}
    validator = jsonschema_rs.Draft201909Validator(schema, validate_formats=True)
    return [f"{error.instance_path}: {error.message}" for error in validator.iter_errors(document)]
