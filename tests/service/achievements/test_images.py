"""Badge pictures uploaded by an issuer's admins: PNG checked, SVG sanitised, served for good."""

import hashlib
import io
import os
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import ImageRecord
from service.domain.portfolios.badge_pages import PICTURES
from tests.service.achievements.conftest import LD, SLUG, answer
from tests.threads import worker_threads

IMAGE = f"/api/v1/achievements/{SLUG}/image"


def png(width: int = 64, height: int = 64, *, noise: bool = False) -> bytes:
    picture = (
        Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
        if noise
        else Image.new("RGB", (width, height), (200, 30, 60))
    )
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


async def upload(
    client: httpx.AsyncClient, headers: dict[str, str], content: bytes, media_type: str
) -> httpx.Response:
    return await client.put(IMAGE, content=content, headers={**headers, "Content-Type": media_type})


async def test_a_png_becomes_the_badges_image_in_a_new_version(
    client: httpx.AsyncClient, created: dict[str, Any], admin: dict[str, str]
) -> None:
    picture = png()

    response = await upload(client, admin, picture, "image/png")
    served = await client.get(urlsplit(response.json()["image"]).path)
    document = (await client.get(f"/achievements/{SLUG}", headers=LD)).json()

    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    digest = hashlib.sha256(picture).hexdigest()
    assert response.json()["image"] == f"http://localhost:8000/images/{digest}.png"
    assert served.status_code == 200
    assert served.content == picture
    assert served.headers["content-type"] == "image/png"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert document["image"] == {"id": response.json()["image"], "type": "Image"}


async def test_a_picture_is_checked_in_a_worker_thread(
    client: httpx.AsyncClient, created: dict[str, Any], admin: dict[str, str]
) -> None:
    """Checking a picture decodes every pixel of a PNG, or sanitises an SVG (some 0.4 s for
    1 MiB): not in the event loop, nor in a write unit, whose lock other writers wait for; on
    the pictures' threads, callers in turn, not in the default executor every tenant shares."""
    before = PICTURES.ran["accept_image"]
    async with worker_threads() as ran:
        response = await upload(client, admin, png(), "image/png")

    assert response.status_code == 200, response.text
    assert PICTURES.ran["accept_image"] == before + 1
    assert ran == []


async def test_a_new_image_reaches_new_credentials_only(
    client: httpx.AsyncClient,
    created: dict[str, Any],
    admin: dict[str, str],
    platform: dict[str, str],
) -> None:
    old = await client.post("/api/v1/completions", json=answer("img-old"), headers=platform)
    uploaded = await upload(client, admin, png(), "image/png")
    new = await client.post("/api/v1/completions", json=answer("img-new"), headers=platform)

    def image_of(response: httpx.Response) -> str:
        return str(response.json()["credential"]["credentialSubject"]["achievement"]["image"]["id"])

    assert image_of(new) == uploaded.json()["image"]
    assert image_of(old) != uploaded.json()["image"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"GIF89a not a png", "is not a PNG"),
        (png()[:60], "is not a valid PNG"),
        (png(4097, 1), "is 4097×1; at most 4096×4096 pixels"),
    ],
    ids=["not-png", "truncated", "too-wide"],
)
async def test_a_bad_png_is_refused(
    client: httpx.AsyncClient,
    created: dict[str, Any],
    admin: dict[str, str],
    content: bytes,
    message: str,
) -> None:
    response = await upload(client, admin, content, "image/png")

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "image"
    assert message in response.json()["errors"][0]["message"]


async def test_a_picture_over_one_mebibyte_is_refused_before_it_is_read(
    client: httpx.AsyncClient, created: dict[str, Any], admin: dict[str, str]
) -> None:
    big = png(700, 700, noise=True)
    assert len(big) > 1024 * 1024

    response = await upload(client, admin, big, "image/png")

    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_another_media_type_is_refused(
    client: httpx.AsyncClient, created: dict[str, Any], admin: dict[str, str]
) -> None:
    response = await upload(client, admin, b"GIF89a", "image/gif")

    assert response.status_code == 415


HOSTILE_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="100" height="100" onload="alert('onload')">
  <script>alert('script')</script>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#c00"/></linearGradient></defs>
  <foreignObject width="100" height="100"><div xmlns="http://www.w3.org/1999/xhtml">html</div></foreignObject>
  <image href="https://tracker.example/pixel.png" width="1" height="1"/>
  <use xlink:href="https://evil.example/sprite.svg#icon"/>
  <a href="javascript:alert('link')"><circle cx="50" cy="50" r="40" fill="url(#g)" onclick="alert('click')"/></a>
  <rect width="10" height="10" style="fill: url(https://evil.example/x)"/>
  <style>rect { background: url(https://evil.example/y) }</style>
  <use href="#g"/>
</svg>"""


async def test_an_svg_is_served_sanitised_with_a_policy_that_runs_nothing(
    client: httpx.AsyncClient, created: dict[str, Any], admin: dict[str, str]
) -> None:
    response = await upload(client, admin, HOSTILE_SVG, "image/svg+xml")
    served = await client.get(urlsplit(response.json()["image"]).path)

    assert response.status_code == 200, response.text
    assert response.json()["image"].endswith(".svg")
    text = served.text
    for gone in (
        "script",
        "onload",
        "onclick",
        "foreignObject",
        "javascript:",
        "alert",
        "evil",
        "tracker",
    ):
        assert gone not in text, gone
    assert "<circle" in text
    assert 'href="#g"' in text
    assert served.headers["content-type"].startswith("image/svg+xml")
    assert (
        served.headers["content-security-policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    )
    assert served.headers["x-content-type-options"] == "nosniff"
    assert hashlib.sha256(served.content).hexdigest() in response.json()["image"]


@pytest.mark.parametrize(
    "content",
    [
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
        b"<svg xmlns='http://www.w3.org/2000/svg'><unclosed></svg>",
        b"<html xmlns='http://www.w3.org/1999/xhtml'/>",
    ],
    ids=["entity", "malformed", "not-svg"],
)
async def test_an_svg_that_cannot_be_parsed_safely_is_refused(
    client: httpx.AsyncClient, created: dict[str, Any], admin: dict[str, str], content: bytes
) -> None:
    response = await upload(client, admin, content, "image/svg+xml")

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "image"


async def test_an_unknown_image_is_not_found(client: httpx.AsyncClient) -> None:
    missing = await client.get("/images/" + "0" * 64 + ".png")
    odd = await client.get("/images/nothing")

    assert missing.status_code == 404
    assert odd.status_code == 404


async def test_the_same_picture_uploaded_twice_is_stored_once(
    client: httpx.AsyncClient,
    created: dict[str, Any],
    admin: dict[str, str],
    session: AsyncSession,
) -> None:
    picture = png(8, 8)
    first = await upload(client, admin, picture, "image/png")
    again = await upload(client, admin, picture, "image/png")  # the same row: no clash

    assert (first.status_code, again.status_code) == (200, 200), again.text
    assert first.json()["image"] == again.json()["image"]
    assert await session.scalar(select(func.count()).select_from(ImageRecord)) == 1


@pytest.mark.parametrize(
    ("content", "extension"),
    [(png(), ".png"), (b"<svg xmlns='http://www.w3.org/2000/svg'><rect/></svg>", ".svg")],
    ids=["png", "svg"],
)
async def test_octet_stream_is_recognised_from_the_bytes(
    client: httpx.AsyncClient,
    created: dict[str, Any],
    admin: dict[str, str],
    content: bytes,
    extension: str,
) -> None:
    """What generated clients send (the OpenAPI document's only upload media type)."""
    response = await upload(client, admin, content, "application/octet-stream")

    assert response.status_code == 200, response.text
    assert response.json()["image"].endswith(extension)


async def test_octet_stream_that_is_no_picture_is_refused(
    client: httpx.AsyncClient, created: dict[str, Any], admin: dict[str, str]
) -> None:
    response = await upload(client, admin, b"GIF89a not a png", "application/octet-stream")

    assert response.status_code == 422, response.text


async def test_a_truncated_png_is_refused_after_a_pdf_was_rendered(
    client: httpx.AsyncClient, created: dict[str, Any], admin: dict[str, str]
) -> None:
    """WeasyPrint's import turns on Pillow's process-wide LOAD_TRUNCATED_IMAGES."""
    from service.pages.transcripts import render_pdf

    assert render_pdf("<p>Attestation</p>").startswith(b"%PDF")

    response = await upload(client, admin, png()[:60], "image/png")

    assert response.status_code == 422, response.text
