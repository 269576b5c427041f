"""A verdict a person can trust: what is proven (intact, signed by the issuer's key) apart from
what is claimed (the issuer's name), each check worded for what it checked, in the page's
language."""

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from openbadges.keys import generate_key_pair
from openbadges.signing import sign_credential
from service.app import create_app
from service.db.engine import SharedConnectionDatabase
from service.domain.demo import ISSUER_SLUG
from service.domain.verification.issuer_registries import RegistryFileError, load_registries
from service.domain.verification.verifications import vouching_domain
from service.runtime import Runtime
from service.settings import Settings
from tests.factories import explorer_credential
from tests.service.conftest import PUBLIC_URL, Getter, ScratchDatabase, asgi, operator, revoke
from tests.service.factories import completion
from tests.service.test_verification_verdicts import LANGUAGES, report_for

pytestmark = pytest.mark.settings(suspension_entry=True)  # the opt-in suspension entry

LAVAL = "Université Laval"


def _self_named() -> tuple[str, dict[str, Any]]:
    """A badge signed with a throwaway did:key that names itself Université Laval."""
    key = generate_key_pair()
    credential = explorer_credential(key.controller)
    credential["issuer"]["name"] = LAVAL
    return key.controller, sign_credential(credential, key)


def _messages(report: dict[str, Any], code: str) -> list[str]:
    return [c["message"] for c in report["checks"] if c["code"] == code]


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_a_self_named_issuer_is_proven_to_have_signed_not_to_be_who_it_says(
    client: httpx.AsyncClient, language: str
) -> None:
    _, signed = _self_named()

    report = await report_for(client, {"credential": signed}, language)

    assert report["verdict"] == "valid"
    headline = report["headline"]
    assert {"en": "identity is unconfirmed", "fr": "n'est pas confirmée"}[language] in headline
    assert {"en": "nothing but the key", "fr": "rien d'autre que la clé"}[language] in headline
    assert {"en": "authentic and valid", "fr": "authentique et valide"}[language] not in headline
    assert f"“{LAVAL}”" in headline or f"« {LAVAL} »" in headline
    (key_message,) = _messages(report, "issuer-key")
    assert {"en": "does not confirm", "fr": "ne confirme pas"}[language] in key_message
    (known,) = [c for c in report["checks"] if c["code"] == "known-issuer"]
    assert known["status"] == "warning"


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_an_own_issuer_is_confirmed_in_the_headline(
    client: httpx.AsyncClient, token: Getter, language: str
) -> None:
    issued = await client.post(
        "/api/v1/completions",
        json=completion(),
        headers={"Authorization": f"Bearer {await token()}"},
    )

    report = await report_for(client, {"credential": issued.json()["credential"]}, language)

    assert (
        report["headline"]
        == {
            "en": "This badge is authentic and valid: “Leadership pédagonumérique 1 – Explorateur” "
            "issued by Réseau de développement professionnel pédagonumérique (démo). The issuer's identity is confirmed: it is hosted "
            "by this service.",
            "fr": "Ce badge est authentique et valide : « Leadership pédagonumérique 1 – "
            "Explorateur », émis par Réseau de développement professionnel pédagonumérique (démo). L'identité de l'émetteur est "
            "confirmée : il est hébergé par ce service.",
        }[language]
    )


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_an_issuer_in_a_loaded_dcc_registry_is_confirmed(
    settings: Settings,
    connection: AsyncConnection,
    database: ScratchDatabase,
    tmp_path: Path,
    language: str,
) -> None:
    did, signed = _self_named()
    registry = tmp_path / "registry.json"
    registry.write_text(
        json.dumps(
            {
                "meta": {"name": "DCC Community Registry", "created": "2026-01-01T00:00:00Z"},
                "registry": {did: {"name": LAVAL, "url": "https://www.ulaval.ca"}},
            }
        )
    )
    loaded = replace(settings, database_url=database.url, issuer_registries=(registry,))
    app = create_app(loaded, database=SharedConnectionDatabase(connection))
    async with httpx.AsyncClient(transport=asgi(app), base_url=PUBLIC_URL) as client:
        report = await report_for(client, {"credential": signed}, language)

    (known,) = [c for c in report["checks"] if c["code"] == "known-issuer"]
    assert (known["status"], known["detail"]["registry"]) == ("passed", "DCC Community Registry")
    assert {"en": "identity is confirmed", "fr": "est confirmée"}[language] in report["headline"]
    assert "DCC Community Registry" in report["headline"]


def test_registry_files_keep_the_first_entry_and_refuse_what_is_not_one(
    tmp_path: Path,
) -> None:
    first, second, broken = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    first.write_text(json.dumps({"registry": {"did:web:x.example": {"name": "Premier"}}}))
    second.write_text(json.dumps({"entries": {"did:web:x.example": {"name": "Second"}}}))
    broken.write_text(json.dumps({"registry": {"https://x.example": {"name": "Pas un DID"}}}))

    known = load_registries([first, second])

    assert (known["did:web:x.example"].name, known["did:web:x.example"].registry) == (
        "Premier",
        "a",
    )
    with pytest.raises(RegistryFileError):
        load_registries([broken])
    with pytest.raises(RegistryFileError):
        load_registries([tmp_path / "absent.json"])


def test_what_vouches_for_an_issuer() -> None:
    assert vouching_domain("did:web:ulaval.ca:issuers:fss") == "ulaval.ca"
    assert vouching_domain("did:web:localhost%3A8000:issuers:x") == "localhost:8000"
    assert vouching_domain("https://badges.example.org/issuer") == "badges.example.org"
    assert vouching_domain("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK") is None


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_each_status_entry_and_the_compromise_check_speak_the_page_language(
    client: httpx.AsyncClient,
    token: Getter,
    session: AsyncSession,
    runtime: Runtime,
    language: str,
) -> None:
    issued = (
        await client.post(
            "/api/v1/completions",
            json=completion(),
            headers={"Authorization": f"Bearer {await token()}"},
        )
    ).json()
    await revoke(session, runtime, uuid.UUID(issued["id"]))
    await session.commit()

    report = await report_for(client, {"url": issued["url"]}, language)

    assert (
        _messages(report, "status")
        == {
            "en": ["The issuer has revoked the badge.", "The issuer has not suspended the badge."],
            "fr": ["L'émetteur a révoqué le badge.", "L'émetteur n'a pas suspendu le badge."],
        }[language]
    )
    assert (
        _messages(report, "key-compromise")
        == {
            "en": ["No signature was made with a key the issuer reported compromised."],
            "fr": [
                "Aucune signature n'a été faite avec une clé que l'émetteur a déclarée compromise."
            ],
        }[language]
    )


async def test_the_verify_page_words_checks_in_french(
    client: httpx.AsyncClient, token: Getter, session: AsyncSession, runtime: Runtime
) -> None:
    issued = (
        await client.post(
            "/api/v1/completions",
            json=completion(),
            headers={"Authorization": f"Bearer {await token()}"},
        )
    ).json()
    proof = issued["credential"]["proof"][0]["verificationMethod"].split("#")[1]
    await operator(session, runtime).keys.compromise(
        ISSUER_SLUG, proof, datetime(2020, 1, 1, tzinfo=UTC), actor="test"
    )
    await session.commit()

    page = await client.get(
        "/verify", params={"link": issued["url"]}, headers={"Accept-Language": LANGUAGES["fr"]}
    )

    assert page.status_code == 200
    assert "déclarée compromise" in page.text
    assert "compromised as of" not in page.text
