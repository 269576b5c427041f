"""Issuer logos given as URLs are fetched once, sanitised and served by us; pages load nothing
from elsewhere. The logo is served by a real HTTP server on 127.0.0.1 (allowed plain HTTP by
the test setting `fetch_http_hosts`, as a development server would be)."""

import hashlib
import io
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from service.db.tables import ImageRecord, IssuerRecord
from service.domain.demo import ISSUER_SLUG, Demo
from service.domain.portfolios.badge_pages import PICTURES
from tests.service.conftest import PUBLIC_URL, Getter, MakeClient
from tests.service.factories import completion
from tests.threads import worker_threads

pytestmark = pytest.mark.settings(fetch_http_hosts=frozenset({"127.0.0.1"}))


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 90, 160)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    b'width="10" height="10"><script>alert(1)</script><rect width="10" height="10" '
    b'onclick="alert(2)" fill="red"/><image xlink:href="https://traqueur.exemple.com/p.png"/>'
    b"</svg>"
)


@dataclass
class LogoSite:
    base: str = ""
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def site() -> Iterator[LogoSite]:
    state = LogoSite()
    routes: dict[str, tuple[int, str, bytes]] = {
        "/logo.png": (200, "image/png", PNG),
        "/logo.svg": (200, "image/svg+xml; charset=utf-8", SVG),
        "/untyped": (200, "application/octet-stream", PNG),
        "/page.html": (200, "text/html", b"<html><body>logo</body></html>"),
        "/big.png": (200, "image/png", PNG[:-12] + b"\0" * 2_000_000),
        "/not-a-png": (200, "image/png", b"GIF89a...."),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            status, media_type, body = routes.get(self.path, (404, "text/plain", b"absent"))
            self.send_response(status)
            self.send_header("content-type", media_type)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


@dataclass
class Admin:
    client: httpx.AsyncClient
    headers: dict[str, str]


@pytest.fixture
async def admin(client: httpx.AsyncClient, token: Getter, make_client: MakeClient) -> Admin:
    client_id, secret = await make_client(scopes={"admin"}, issuers={ISSUER_SLUG})
    return Admin(client, {"Authorization": f"Bearer {await token(None, client_id, secret)}"})


def _issuer(**changes: Any) -> dict[str, Any]:
    return {
        "slug": "reseau-estrie",
        "name": "Réseau Estrie",
        "url": "https://reseau-estrie.exemple.qc.ca",
        "email": "badges@reseau-estrie.exemple.qc.ca",
        **changes,
    }


async def test_a_logo_url_is_fetched_once_and_served_from_images(
    admin: Admin, site: LogoSite
) -> None:
    created = await admin.client.post(
        "/api/v1/issuers", json=_issuer(image=f"{site.base}/logo.png"), headers=admin.headers
    )
    assert created.status_code == 201, created.text
    image = created.json()["image"]
    served = await admin.client.get(urlsplit(image).path)
    profile = await admin.client.get(
        "/issuers/reseau-estrie", headers={"Accept": "application/ld+json"}
    )
    page = await admin.client.get("/issuers/reseau-estrie", headers={"Accept": "text/html"})

    assert image == f"{PUBLIC_URL}/images/{hashlib.sha256(PNG).hexdigest()}.png"
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content == PNG
    assert profile.json()["image"] == {"id": image, "type": "Image"}
    assert f'src="{image}"' in page.text
    assert site.base not in page.text
    assert site.requests == ["/logo.png"]  # once: readers never reach the issuer's site


async def test_a_logo_is_checked_in_a_worker_thread(admin: Admin, site: LogoSite) -> None:
    before = PICTURES.ran["accept_image"]
    async with worker_threads() as ran:
        created = await admin.client.post(
            "/api/v1/issuers", json=_issuer(image=f"{site.base}/logo.svg"), headers=admin.headers
        )

    assert created.status_code == 201, created.text
    assert PICTURES.ran["accept_image"] == before + 1  # the pictures' threads, callers in turn
    assert "accept_image" not in ran


async def test_an_svg_logo_is_sanitised_like_an_upload(admin: Admin, site: LogoSite) -> None:
    created = await admin.client.post(
        "/api/v1/issuers", json=_issuer(image=f"{site.base}/logo.svg"), headers=admin.headers
    )
    assert created.status_code == 201, created.text
    served = await admin.client.get(urlsplit(created.json()["image"]).path)

    assert created.json()["image"].endswith(".svg")
    assert served.headers["content-type"].startswith("image/svg+xml")
    assert b"<rect" in served.content
    assert b"script" not in served.content
    assert b"onclick" not in served.content
    assert b"traqueur" not in served.content


async def test_a_picture_served_with_a_vague_type_is_read_by_its_bytes(
    admin: Admin, site: LogoSite
) -> None:
    created = await admin.client.post(
        "/api/v1/issuers", json=_issuer(image=f"{site.base}/untyped"), headers=admin.headers
    )

    assert created.status_code == 201, created.text
    assert created.json()["image"].endswith(".png")


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/page.html", "image/png or image/svg+xml"),
        ("/big.png", "larger than"),
        ("/not-a-png", "not a PNG"),
        ("/absent.png", "answered 404"),
    ],
)
async def test_a_logo_that_is_no_acceptable_picture_is_refused(
    admin: Admin, site: LogoSite, path: str, reason: str, connection: AsyncConnection
) -> None:
    response = await admin.client.post(
        "/api/v1/issuers", json=_issuer(image=f"{site.base}{path}"), headers=admin.headers
    )

    assert response.status_code == 422, response.text
    [problem] = response.json()["errors"]
    assert problem["field"] == "image"
    assert reason in problem["message"]
    missing = await admin.client.get("/api/v1/issuers/reseau-estrie", headers=admin.headers)
    assert missing.status_code == 404  # nothing half-written
    assert await connection.scalar(select(func.count()).select_from(ImageRecord)) == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/logo.png",
        "https://[64:ff9b::a9fe:a9fe]/logo.png",
        "http://logos.exemple.qc.ca/logo.png",  # plain HTTP
        "javascript:alert(1)",
    ],
)
async def test_a_logo_the_safe_fetcher_refuses_is_refused(admin: Admin, url: str) -> None:
    response = await admin.client.post(
        "/api/v1/issuers", json=_issuer(image=url), headers=admin.headers
    )

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["image"]


async def test_an_update_fetches_a_new_logo_and_keeps_our_own_url_as_it_is(
    admin: Admin, site: LogoSite
) -> None:
    created = await admin.client.post("/api/v1/issuers", json=_issuer(), headers=admin.headers)
    assert created.status_code == 201, created.text
    changed = await admin.client.patch(
        "/api/v1/issuers/reseau-estrie",
        json={"image": f"{site.base}/logo.png"},
        headers=admin.headers,
    )
    again = await admin.client.patch(
        "/api/v1/issuers/reseau-estrie",
        json={"image": changed.json()["image"], "name": "Réseau de l'Estrie"},
        headers=admin.headers,
    )

    assert changed.status_code == 200, changed.text
    assert changed.json()["image"].startswith(f"{PUBLIC_URL}/images/")
    assert again.status_code == 200, again.text
    assert again.json()["image"] == changed.json()["image"]
    assert site.requests == ["/logo.png"]


async def test_the_earners_manage_page_loads_nothing_from_elsewhere(
    admin: Admin, site: LogoSite, connection: AsyncConnection, demo: Demo
) -> None:
    logo = await admin.client.patch(
        f"/api/v1/issuers/{ISSUER_SLUG}",
        json={"image": f"{site.base}/logo.png"},
        headers=admin.headers,
    )
    assert logo.status_code == 200, logo.text
    access = await admin.client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(demo.client_id, demo.client_secret),
    )
    issued = await admin.client.post(
        "/api/v1/completions",
        json=completion("logo-local"),
        headers={"Authorization": f"Bearer {access.json()['access_token']}"},
    )
    assert issued.status_code == 201, issued.text
    manage = await admin.client.get(urlsplit(issued.json()["manageUrl"]).path)

    assert manage.status_code == 200
    policy = manage.headers["content-security-policy"]
    assert "img-src 'self' data:;" in policy
    assert "https:" not in policy
    assert f'src="{logo.json()["image"]}"' in manage.text
    loaded = [  # what a browser fetches by itself: src attributes and <link> elements
        ref
        for ref in [
            *re.findall(r'\ssrc="([^"]*)"', manage.text),
            *re.findall(r'<link\s[^>]*href="([^"]*)"', manage.text),
        ]
        if not ref.startswith(("/", f"{PUBLIC_URL}/"))
    ]
    assert loaded == []


async def test_a_logo_stored_before_as_a_foreign_url_is_not_shown(
    admin: Admin, connection: AsyncConnection
) -> None:
    await connection.execute(
        update(IssuerRecord)
        .where(IssuerRecord.slug == ISSUER_SLUG)
        .values(image_url="https://traqueur.exemple.com/logo.png")
    )
    page = await admin.client.get(f"/issuers/{ISSUER_SLUG}", headers={"Accept": "text/html"})

    assert page.status_code == 200
    assert "traqueur" not in page.text
