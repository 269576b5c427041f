"""The earner's transcript from a management link: the printable attestation (HTML and a
one-page PDF, in French and English), the signed record and the baked picture."""

import asyncio
import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from openbadgeslib.baking import ITXT_KEYWORD_OB3, extract_png

from service.pages.transcripts import RENDERERS
from tests.service.conftest import Getter
from tests.service.factories import completion
from tests.threads import worker_threads

ROOT = Path(__file__).resolve().parents[2]
LETTER = "612 x 792 pts (letter)"


@pytest.fixture(scope="module")
def poppler() -> None:
    subprocess.run(["/bin/sh", str(ROOT / "scripts" / "ensure-poppler.sh")], check=True)


async def _issue(client: httpx.AsyncClient, access: str, external_id: str, **changes: Any) -> Any:
    response = await client.post(
        "/api/v1/completions",
        json=completion(external_id, **changes),
        headers={"Authorization": f"Bearer {access}"},
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
async def earner(client: httpx.AsyncClient, token: Getter) -> dict[str, Any]:
    """Marie's two badges of the period; the management link of the first one."""
    access = await token()
    first = await _issue(client, access, "page-1", completedAt="2025-10-02T13:00:00-04:00")
    second = await _issue(client, access, "page-2", hours=2.5)
    return {"manage": first["manageUrl"], "badges": [first, second]}


def _path(url: str) -> str:
    return httpx.URL(url).path


async def test_the_manage_page_links_the_attestation_of_all_the_earners_badges(
    client: httpx.AsyncClient, earner: dict[str, Any]
) -> None:
    manage = _path(earner["manage"])

    page = await client.get(manage, headers={"Accept": "text/html"})
    french = await client.get(f"{manage}/transcript", params={"lang": "fr"})
    english = await client.get(f"{manage}/transcript", params={"lang": "en"})
    record = await client.get(f"{manage}/transcript.json")

    assert f"{manage}/transcript" in page.text
    assert french.status_code == 200, french.text
    assert french.headers["cache-control"] == "no-store"
    for text in ("Attestation de formation continue", "Marie Tremblay", "5,5 h", "30 h", "<svg"):
        assert text in french.text
    assert "Continuing-education attestation" in english.text
    assert "24.5 h are missing" in english.text
    held = record.json()["credentialSubject"]["verifiableCredential"]
    assert [c["id"] for c in held] == [b["url"] for b in earner["badges"]]
    assert f"/verify?link={record.json()['id'].replace(':', '%3A').replace('/', '%2F')}" in (
        french.text
    )


async def test_the_baked_picture_holds_the_signed_record(
    client: httpx.AsyncClient, earner: dict[str, Any]
) -> None:
    manage = _path(earner["manage"])

    picture = await client.get(f"{manage}/transcript.png")
    record = await client.get(f"{manage}/transcript.json")

    assert picture.headers["content-type"] == "image/png"
    baked = extract_png(picture.content, keyword=ITXT_KEYWORD_OB3)
    assert baked is not None
    assert json.loads(baked) == record.json()


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_the_pdf_attestation_is_one_letter_page(
    client: httpx.AsyncClient, earner: dict[str, Any], poppler: None, lang: str, tmp_path: Path
) -> None:
    manage = _path(earner["manage"])

    pdf = await client.get(f"{manage}/transcript.pdf", params={"lang": lang})

    assert pdf.headers["content-type"] == "application/pdf"
    path = tmp_path / f"attestation-{lang}.pdf"
    path.write_bytes(pdf.content)
    fields, picture, text = await asyncio.to_thread(_read_pdf, path, tmp_path / lang)
    assert fields["Pages"] == "1"
    # Letter, what Québec schools print on; the content (184 mm wide, one page) fits A4 too.
    assert fields["Page size"] == LETTER
    assert picture.startswith(b"\x89PNG")
    assert "Marie Tremblay" in text
    assert ("Attestation de formation continue" if lang == "fr" else "attestation") in text


async def test_a_pdf_is_rendered_on_threads_of_its_own(
    client: httpx.AsyncClient, earner: dict[str, Any]
) -> None:
    """About 0.2 s of CPU each: not in the default executor, where every tenant's pictures and
    cards would wait behind a flood of them; callers take the renderers in turn."""
    before = RENDERERS.ran.copy()

    async with worker_threads() as ran:
        pdf = await client.get(f"{_path(earner['manage'])}/transcript.pdf")

    assert pdf.headers["content-type"] == "application/pdf"
    assert "render_pdf" not in ran
    assert RENDERERS.ran - before == {"render_pdf": 1}


def _read_pdf(path: Path, picture: Path) -> tuple[dict[str, str], bytes, str]:
    """pdfinfo's fields, the page rendered by pdftoppm, and pdftotext's text."""
    tools = {name: shutil.which(name) or name for name in ("pdfinfo", "pdftoppm", "pdftotext")}
    info = subprocess.run([tools["pdfinfo"], str(path)], capture_output=True, text=True, check=True)
    fields = {
        key.strip(): value.strip()
        for key, value in (line.split(":", 1) for line in info.stdout.splitlines() if ":" in line)
    }
    subprocess.run(
        [tools["pdftoppm"], "-r", "40", "-png", "-singlefile", str(path), str(picture)], check=True
    )
    text = subprocess.run(
        [tools["pdftotext"], str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return fields, picture.with_suffix(".png").read_bytes(), text


async def test_a_wrong_token_shows_nothing(
    client: httpx.AsyncClient, earner: dict[str, Any]
) -> None:
    credential_id = earner["badges"][0]["id"]
    wrong = f"/credentials/{credential_id}/manage/faux/transcript"

    assert (await client.get(wrong)).status_code == 404
    assert (
        await client.get(f"/credentials/{uuid.uuid4()}/manage/x/transcript.json")
    ).status_code == 404
