"""Rendering the pages: Jinja templates through Litestar's engine, in French or English.

The domain hands frozen views (`service.domain.portfolios.badge_pages`); this module only turns
them into HTML, with the security headers every page carries (everything is served by Insigne:
no external font, script or tracker).
"""

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from litestar import Request, Response
from litestar.datastructures import State
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from service.domain.portfolios.badge_pages import AchievementView, BadgePage, IssuerView
from service.domain.urls import Urls
from service.domain.verification.verifications import Report
from service.pages.strings import TEXT, Lang, long_date, pick

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
HTML = "text/html"
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
# The earner's page holds a secret in its URL: never sent on, never cached, never indexed.
PRIVATE_HEADERS = {
    **SECURITY_HEADERS,
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
}
LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine)


AnyRequest = Request[object, object, State]


def language(request: AnyRequest) -> Lang:
    return pick(request.query_params.get("lang"), request.headers.get("accept-language"))


def render(
    request: AnyRequest,
    name: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,  # noqa: ANN401 - template context
) -> Template:
    lang = language(request)
    other: Lang = "en" if lang == "fr" else "fr"
    return Template(
        template_name=name,
        context={
            "lang": lang,
            "t": TEXT[lang],
            "other_lang": other,
            "switch_url": f"{request.url.path}?{urlencode({'lang': other})}",
            "date": lambda value: long_date(value, lang),
            **context,
        },
        status_code=status_code,
        media_type=HTML,
        headers=headers or SECURITY_HEADERS,
    )


def error_page(request: AnyRequest, status_code: int) -> Template:
    """The 404 and 410 pages, in the family's style."""
    key = {404: "not_found", 410: "gone"}.get(status_code, "error")
    return render(request, "error.html", status_code=status_code, key=key)


def credential_page(
    request: AnyRequest, page: BadgePage, urls: Urls, *, report: Report | None = None
) -> Template:
    lang = language(request)
    t = TEXT[lang]
    words = {"name": page.name, "earner": page.earner_name, "issuer": page.issuer.name}
    return render(
        request,
        "credential.html",
        headers=PRIVATE_HEADERS if page.viewer_is_earner else SECURITY_HEADERS,
        page=page,
        report=report,
        links={
            "json": urls.credential(page.credential_id, ".json"),
            "jwt": urls.credential(page.credential_id, ".jwt"),
            "png": urls.credential(page.credential_id, ".png"),
            "svg": urls.credential(page.credential_id, ".svg"),
            "card": urls.credential_card(page.credential_id),
            "qr_svg": urls.credential_qr(page.credential_id, "svg"),
            "qr_png": urls.credential_qr(page.credential_id, "png"),
            "verify": urls.verify_page(),
            "linkedin": linkedin_url(page),
        },
        og_description=t["og_description"].format(**words),
        card_alt=t["card_alt"].format(**words),
        json_ld=script_json(schema_org(page)),
    )


def achievement_page(request: AnyRequest, achievement: AchievementView) -> Template:
    return render(request, "achievement.html", achievement=achievement)


def issuer_page(
    request: AnyRequest, issuer: IssuerView, achievements: tuple[AchievementView, ...]
) -> Template:
    return render(request, "issuer.html", issuer=issuer, achievements=achievements)


def home_page(
    request: AnyRequest,
    catalogue: tuple[tuple[IssuerView, tuple[AchievementView, ...]], ...],
    base: str,
) -> Template:
    links = {"home": f"{base}/", "verify": f"{base}/verify", "api": f"{base}/schema"}
    return render(request, "home.html", catalogue=catalogue, links=links)


def public_index(base: str) -> dict[str, Any]:
    """What ``/`` tells a JSON client: the service and its public URLs (no tenant's data)."""
    return {
        "name": "Insigne",
        "description": "Issue, host and verify signed Open Badges 3.0 credentials.",
        "links": {
            "home": f"{base}/",
            "verifyPage": f"{base}/verify",
            "verifications": f"{base}/api/v1/verifications",
            "achievements": f"{base}/api/v1/achievements",
            "graphql": f"{base}/graphql",
            "openapi": f"{base}/schema/openapi.json",
            "documentation": f"{base}/schema",
            "health": f"{base}/health",
        },
    }


def linkedin_url(page: BadgePage) -> str:
    """LinkedIn's add-certification link, every parameter percent-encoded (UTF-8).

    Our issuers have no LinkedIn organisation id yet, so ``organizationName`` is sent.
    """
    params: dict[str, str | int] = {
        "startTask": "CERTIFICATION_NAME",
        "name": page.name,
        "organizationName": page.issuer.name,
        "issueYear": page.awarded_at.year,
        "issueMonth": page.awarded_at.month,
    }
    if page.valid_until is not None:
        params["expirationYear"] = page.valid_until.year
        params["expirationMonth"] = page.valid_until.month
    params["certUrl"] = page.url
    params["certId"] = str(page.credential_id)
    return f"{LINKEDIN_ADD}?{urlencode(params, quote_via=quote, safe='')}"


def schema_org(page: BadgePage) -> dict[str, Any]:
    """The page's schema.org ``EducationalOccupationalCredential``, for search engines."""
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "EducationalOccupationalCredential",
        "@id": page.url,
        "name": page.name,
        "description": page.description,
        "credentialCategory": "badge",
        "educationalLevel": f"{page.achievement.level} – {page.achievement.level_name}",
        "image": page.achievement.image_url,
        "url": page.url,
        "dateCreated": page.awarded_at.isoformat(),
        "recognizedBy": {
            "@type": "Organization",
            "name": page.issuer.name,
            "url": page.issuer.url or page.issuer.page_url,
        },
        "competencyRequired": [
            {
                "@type": "DefinedTerm",
                "name": a.name,
                "termCode": a.code,
                "inDefinedTermSet": a.framework,
                "url": a.url,
            }
            for a in page.alignments
        ],
    }
    if page.valid_until is not None:
        document["expires"] = page.valid_until.isoformat()
    return document


def script_json(document: dict[str, Any]) -> str:
    """JSON safe inside a ``<script>`` element (no ``</script>`` can end it early)."""
    text = json.dumps(document, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def verify_page(
    request: AnyRequest,
    *,
    report: Report | None = None,
    problem: str | None = None,
    link: str = "",
    status_code: int = 200,
) -> Template:
    return render(
        request,
        "verify.html",
        status_code=status_code,
        report=report,
        problem=problem,
        link=link,
    )


def redirect(location: str) -> Response[bytes]:
    return Response(b"", status_code=303, headers={"Location": location, **PRIVATE_HEADERS})
