"""Issued badges checked by verifiers that share no code with Insigne, offline.

- Digital Bazaar's vc-js (``tests/interop/dbstack.mjs``) on the JSON-LD;
- the DCC's ``@digitalcredentials/verifier-core`` (VerifierPlus, the Learner Credential
  Wallet), in node, every URL it fetches answered from what Insigne served;
- PyPI ``openbadgeslib``: its Data Integrity and VC-JWT verifiers, with its own did:web
  resolution fed the same documents, on the JSON-LD, the JWT and the baked PNG and SVG;
- 1EdTech's OB 3.0 JSON schema, with jsonschema-rs.

Every valid variant must be valid in each, the revoked one in none. `VERDICTS` collects the
table of variants × verifiers the closing note records (``pytest -s`` prints it).
"""

import json
import shutil
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from openbadgeslib.baking import ITXT_KEYWORD_OB3, SVG_ELEMENT_OB3, extract_png, extract_svg
from openbadgeslib.ob3 import OB3LdpVerifier, OB3VerificationError, OB3Verifier
from openbadgeslib.ob3.did import fetch_did_web_document, pem_for_kid
from sqlalchemy.ext.asyncio import AsyncSession

from openbadges.dids import did_web_to_url
from openbadges.proofs.jwt import decode_jwt_unverified
from service.domain.demo import ISSUER_SLUG
from service.runtime import Runtime
from tests.interop.dbstack import INTEROP_DIR, DbStack, ensure_installed
from tests.openbadges.test_models import schema_errors
from tests.service.conftest import Getter, operator, revoke
from tests.service.factories import completion

pytestmark = pytest.mark.interop

ORIGIN = "http://localhost:8000"
SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
REGISTRY = "https://registry.insigne.test/registry.json"
CONTEXTS = Path(__file__).resolve().parents[2] / "openbadges" / "contexts"
VERDICTS: dict[tuple[str, str], str] = {}


async def _issue(
    client: httpx.AsyncClient, access: str, external_id: str, **changes: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/completions",
        json=completion(external_id, **changes),
        headers={"Authorization": f"Bearer {access}"},
    )
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()
    return issued


@pytest.fixture
async def variants(
    client: httpx.AsyncClient, token: Getter, session: AsyncSession, runtime: Runtime
) -> dict[str, dict[str, Any]]:
    """Each badge variant as served: its JSON-LD, JWT, PNG and SVG, and whether it is valid."""
    access = await token()
    learner = {
        **completion()["learner"],
        "id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    }
    issued = {
        "private": await _issue(client, access, "privee"),
        "public": await _issue(client, access, "publique", shareReflections=True),
        "learner DID": await _issue(client, access, "did", learner=learner),
        "revoked": await _issue(client, access, "revoquee"),
    }
    await revoke(session, runtime, uuid.UUID(issued["revoked"]["id"]))
    await operator(session, runtime).keys.rotate(ISSUER_SLUG, actor="test")
    await session.commit()
    issued["after rotation"] = await _issue(client, access, "apres-rotation")
    served = {}
    for name, award in issued.items():
        path = f"/credentials/{award['id']}"
        served[name] = {
            "json-ld": (await client.get(f"{path}.json")).json(),
            "jwt": (await client.get(f"{path}.jwt")).text,
            "png": (await client.get(f"{path}.png")).content,
            "svg": (await client.get(f"{path}.svg")).content,
            "valid": name != "revoked",
        }
    return served


def _static_documents(shared: Path, credential: dict[str, Any]) -> dict[str, Any]:
    """The 1EdTech schema, a DCC-format registry listing the issuer, the JSON-LD contexts."""
    issuer = credential["issuer"]
    schema = shared / "ob-examples" / "ob_v3p0_achievementcredential_schema.json"
    documents: dict[str, Any] = {SCHEMA: json.loads(schema.read_text())}
    documents[REGISTRY] = {
        "meta": {"name": "Registre d'essai"},
        "registry": {issuer["id"]: {"name": issuer["name"], "url": issuer["url"]}},
    }
    for context in json.loads((CONTEXTS / "manifest.json").read_text()):
        documents[context["url"]] = json.loads((CONTEXTS / context["file"]).read_text())
    return documents


async def _documents(
    client: httpx.AsyncClient, credential: dict[str, Any], static: dict[str, Any]
) -> dict[str, Any]:
    """URL (and DID) -> document: what a verifier fetches, as Insigne serves it."""
    issuer = credential["issuer"]["id"]
    did_document = (await client.get(f"/issuers/{ISSUER_SLUG}/did.json")).json()
    documents = {**static, issuer: did_document, did_web_to_url(issuer): did_document}
    status_url = credential["credentialStatus"]["statusListCredential"]
    documents[status_url] = (await client.get(status_url.removeprefix(ORIGIN))).json()
    return documents


def _verifier_core(credential: dict[str, Any], documents: dict[str, Any]) -> dict[str, Any]:
    ensure_installed()
    payload = {
        "credential": credential,
        "documents": documents,
        "registries": [{"name": "Registre d'essai", "type": "dcc-legacy", "url": REGISTRY}],
    }
    node = shutil.which("node")
    assert node is not None, "the interop tests need Node.js"
    completed = subprocess.run(
        [node, str(INTEROP_DIR / "verifier_core.mjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=INTEROP_DIR,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def _verifier_core_verdict(result: dict[str, Any]) -> str:
    """VerifierPlus's reading: no error, every log step valid (signature, status, expiry,
    registered issuer) and the credential's schema (``additionalInformation``) valid."""
    if result.get("errors"):
        return "invalid: " + ", ".join(error["name"] for error in result["errors"])
    failed = [step["id"] for step in result.get("log", []) if not step.get("valid")]
    (schemas,) = [i for i in result["additionalInformation"] if i["id"] == "schema_check"]
    assert isinstance(schemas["results"], list), schemas  # the schema was found and used
    failed += [r["schema"] for r in schemas["results"] if not r["result"]["valid"]]
    return "valid" if not failed else "invalid: " + ", ".join(failed)


def _download(documents: dict[str, Any]) -> Callable[[str], bytes]:
    def download(url: str, *_: Any, **__: Any) -> bytes:
        if url not in documents:
            raise OSError(f"offline: no document for {url}")
        body = documents[url]
        return (body if isinstance(body, str) else json.dumps(body)).encode()

    return download


def _openbadgeslib(form: str | dict[str, Any], documents: dict[str, Any]) -> str:
    """openbadgeslib's verdict. It verifies a status list's own proof only when the list is a
    VC-JWT; Insigne's lists are Data Integrity (verifier-core and vc-js verify those), so it
    reads their bits without checking the list's signature (``verify_status_list=False``)."""
    download = _download(documents)
    try:
        if isinstance(form, dict):
            OB3LdpVerifier().verify(
                form, check_status=True, verify_status_list=False, download=download
            )
        else:
            header, payload = decode_jwt_unverified(form)
            issuer = payload["iss"]
            key = pem_for_kid(fetch_did_web_document(issuer, download), issuer, header["kid"])
            OB3Verifier(key, issuer_did=issuer).verify(
                form, check_status=True, verify_status_list=False, download=download
            )
    except OB3VerificationError as error:
        return f"invalid: {error}"
    return "valid"


def _unbaked(image: bytes, kind: str) -> str | dict[str, Any]:
    if kind == "png":
        text = extract_png(image, keyword=ITXT_KEYWORD_OB3)
    else:
        text = extract_svg(image, element=SVG_ELEMENT_OB3, text_fallback=True)
    assert text, f"nothing baked in the {kind}"
    text = text.strip()
    return json.loads(text) if text.startswith("{") else text


async def test_each_variant_gets_the_right_verdict_from_every_independent_verifier(
    client: httpx.AsyncClient,
    variants: dict[str, dict[str, Any]],
    dbstack: DbStack,
    shared: Path,
) -> None:
    static = _static_documents(shared, variants["private"]["json-ld"])
    for name, forms in variants.items():
        documents = await _documents(client, forms["json-ld"], static)
        is_valid, errors = dbstack.verify(forms["json-ld"], documents, check_status=True)
        VERDICTS[name, "vc-js (JSON-LD)"] = "valid" if is_valid else f"invalid: {errors}"
        core = _verifier_core(forms["json-ld"], documents)
        VERDICTS[name, "verifier-core (JSON-LD)"] = _verifier_core_verdict(core)
        steps = {step["id"] for step in core.get("log", [])}
        assert {"valid_signature", "revocation_status", "registered_issuer"} <= steps, core
        VERDICTS[name, "openbadgeslib JSON-LD"] = _openbadgeslib(forms["json-ld"], documents)
        VERDICTS[name, "openbadgeslib JWT"] = _openbadgeslib(forms["jwt"], documents)
        for kind in ("png", "svg"):
            VERDICTS[name, f"openbadgeslib {kind.upper()}"] = _openbadgeslib(
                _unbaked(forms[kind], kind), documents
            )
        problems = schema_errors(shared, forms["json-ld"])
        VERDICTS[name, "1EdTech schema"] = "valid" if not problems else f"invalid: {problems}"
        assert not any(url.startswith(ORIGIN + "/api") for url in core.get("asked", []))

    print("\n" + _table())  # noqa: T201 - the table the closing note records
    for (name, verifier), verdict in VERDICTS.items():
        if verifier == "1EdTech schema" or variants[name]["valid"]:
            assert verdict == "valid", (name, verifier, verdict)
        else:
            assert verdict.startswith("invalid"), (name, verifier, verdict)
            assert "revocation" in verdict, (name, verifier, verdict)  # for that reason


def _table() -> str:
    verifiers = list(dict.fromkeys(verifier for _, verifier in VERDICTS))
    names = list(dict.fromkeys(name for name, _ in VERDICTS))
    lines = ["| variant | " + " | ".join(verifiers) + " |", "|---" * (len(verifiers) + 1) + "|"]
    for name in names:
        cells = [VERDICTS[name, verifier].split(":")[0] for verifier in verifiers]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
