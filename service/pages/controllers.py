"""Routes of the HTML faces: the earner's page, the verify page, and the pictures pages use.

The badge, achievement and issuer pages share their URL with the documents machines read, so
they are answered by the public controllers (``Accept: text/html``) through `service.pages.faces`.
"""

import uuid
from typing import Annotated, Any, Literal

from litestar import Controller, Response, get, post
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from openbadges.jsontypes import loads
from service.domain.credentials.earner_controls import EarnerChoices
from service.domain.errors import InvalidInput
from service.domain.portfolios.badge_pages import BadgePage
from service.domain.texts import say
from service.domain.verification.verifications import Report, Submission
from service.negotiation import vary, wants_html
from service.pages.errors import PAGE_ERRORS
from service.pages.strings import TEXT, Lang, pick
from service.pages.views import (
    PRIVATE_HEADERS,
    STATIC,
    AnyRequest,
    credential_page,
    home_page,
    language,
    public_index,
    redirect,
    verify_page,
)
from service.pages.wallet import TEXT as WALLET_TEXT
from service.pages.wallet import WalletBox, wallet_box
from service.pipelines.wallet import offer_to_earner
from service.runtime import Runtime
from service.throttling import caller_address, count_verification

MAX_UPLOAD_BYTES = 16 * 1024 * 1024
IMMUTABLE = "public, max-age=86400"
PNG, SVG = "image/png", "image/svg+xml"
_MEDIA = {"png": PNG, "svg": SVG}


class HomeController(Controller):
    """``/``: what the service is and its issuers' badges; JSON clients get an index of URLs."""

    path = "/"
    include_in_schema = False

    @get(operation_id="ShowHome", after_request=vary)
    async def show(self, request: AnyRequest, runtime: NamedDependency[Runtime]) -> Response[Any]:
        """The home page for browsers (and link-preview crawlers), else the public URLs."""
        if not wants_html(request):
            return Response(public_index(runtime.urls.base), media_type="application/json")
        async with runtime.read() as services:
            catalogue = await services.badge_pages.catalogue()
        return home_page(request, catalogue, runtime.urls.base)


class ManagePageController(Controller):
    """The earner's private page: their answers, and the choices only they make."""

    path = "/credentials/{credential_id:uuid}/manage/{token:str}"
    include_in_schema = False
    exception_handlers = PAGE_ERRORS

    @get(operation_id="ShowManagePage")
    async def show(
        self,
        request: AnyRequest,
        runtime: NamedDependency[Runtime],
        credential_id: FromPath[uuid.UUID],
        token: FromPath[str],
    ) -> Template:
        """The badge page as its earner sees it, with the earner's controls."""
        async with runtime.read() as services:
            viewer = await services.earner_controls.earner(credential_id, token)
            page = await services.badge_pages.credential(credential_id, viewer)
        return _manage(request, runtime, page, token)

    @post(operation_id="SaveEarnerChoices", status_code=303)
    async def save(
        self,
        request: AnyRequest,
        runtime: NamedDependency[Runtime],
        credential_id: FromPath[uuid.UUID],
        token: FromPath[str],
    ) -> Response[bytes]:
        """Make the answers public or private, hide or show the badge in portfolios."""
        form = await request.form()
        choices = EarnerChoices(form.get("evidencePublic") == "on", form.get("hidden") == "on")
        async with runtime.write() as services:
            await services.earner_controls.choose(credential_id, token, choices)
        lang = pick(str(form.get("lang") or ""), request.headers.get("accept-language"))
        return redirect(f"{runtime.urls.manage(credential_id, token)}?lang={lang}&saved=1")

    @post("/wallet", operation_id="CreateEarnerWalletOffer", status_code=200)
    async def wallet(
        self,
        request: AnyRequest,
        runtime: NamedDependency[Runtime],
        credential_id: FromPath[uuid.UUID],
        token: FromPath[str],
    ) -> Template:
        """A fresh wallet offer: QR codes, the deep link, a transaction code if asked for."""
        form = await request.form()
        made = await offer_to_earner(
            runtime, credential_id, token, tx_code=form.get("txCode") == "on"
        )
        lang = pick(str(form.get("lang") or ""), request.headers.get("accept-language"))
        return _manage(request, runtime, made.page, token, wallet_box(made.offer, lang), lang)


def _manage(
    request: AnyRequest,
    runtime: Runtime,
    page: BadgePage,
    token: str,
    wallet: WalletBox | None = None,
    lang: Lang | None = None,
) -> Template:
    response = credential_page(request, page, runtime.urls)
    response.template_name = "manage.html"
    response.headers.update(PRIVATE_HEADERS)
    response.context["manage_action"] = runtime.urls.manage(page.credential_id, token)
    response.context["saved"] = request.query_params.get("saved") == "1"
    if lang is not None and lang != response.context["lang"]:  # a POST says it in its form
        response.context.update(lang=lang, t=TEXT[lang], other_lang="en" if lang == "fr" else "fr")
    response.context["wallet_action"] = response.context["manage_action"] + "/wallet"
    response.context["wallet"] = wallet
    response.context["w"] = WALLET_TEXT[response.context["lang"]]
    return response


class VerifyPageController(Controller):
    """Employers paste a link or a JWT, or drop a baked image or a JSON file."""

    path = "/verify"
    include_in_schema = False

    @get(operation_id="ShowVerifyPage")
    async def show(
        self,
        request: AnyRequest,
        runtime: NamedDependency[Runtime],
        link: Annotated[str | None, QueryParameter(max_length=2000)] = None,
    ) -> Template:
        """The form; with ``?link=`` (the badge page's button), the report of that badge."""
        if not link:
            return verify_page(request)
        return await _verified(request, runtime, Submission(url=link), link)

    @post(operation_id="SubmitVerifyPage", status_code=200, request_max_body_size=MAX_UPLOAD_BYTES)
    async def submit(self, request: AnyRequest, runtime: NamedDependency[Runtime]) -> Template:
        """Verify what was pasted or dropped; the report in words, verdict first."""
        form = await request.form()
        submission = await _submission(form)
        return await _verified(request, runtime, submission, str(form.get("link") or ""))


async def _submission(data: FormMultiDict) -> Submission:
    link = str(data.get("link") or "").strip() or None
    jwt = str(data.get("jwt") or "").strip() or None
    upload = data.get("file")
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    if not content:
        return Submission(url=link, jwt=jwt)
    if content.lstrip()[:1] == b"{":
        try:
            document = loads(content)
        except ValueError:
            return Submission(url=link, jwt=jwt, image=content)
        if isinstance(document, dict):
            return Submission(url=link, jwt=jwt, credential=document)
    return Submission(url=link, jwt=jwt, image=content)


async def _verified(
    request: AnyRequest, runtime: Runtime, submission: Submission, link: str
) -> Template:
    await count_verification(runtime, None, caller_address(request, runtime))
    lang: Lang = language(request)
    try:
        report: Report = await runtime.verifications().verify(submission, lang)
    except InvalidInput as error:
        problem = "; ".join(say(p.message, lang) for p in error.problems)
        return verify_page(request, problem=problem, link=link, status_code=422)
    return verify_page(request, report=report, link=link)


class PicturesController(Controller):
    """The pictures the pages show: link-preview cards, QR codes, designed badge images."""

    include_in_schema = False
    exception_handlers = PAGE_ERRORS

    @get("/credentials/{credential_id:uuid}/card.png", operation_id="GetPreviewCard")
    async def card(
        self, runtime: NamedDependency[Runtime], credential_id: FromPath[uuid.UUID]
    ) -> Response[bytes]:
        """The 1200×630 ``og:image`` of a badge page."""
        async with runtime.read() as services:
            picture = await services.badge_pages.card(credential_id)
        return _picture(await picture.draw(), "png")

    @get(
        ["/credentials/{credential_id:uuid}/qr.svg", "/credentials/{credential_id:uuid}/qr.png"],
        operation_id="GetQrCode",
    )
    async def qr(
        self,
        request: AnyRequest,
        runtime: NamedDependency[Runtime],
        credential_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        """A QR code of the badge's permanent link (SVG, or PNG for slides)."""
        async with runtime.read() as services:
            picture = await services.badge_pages.qr(credential_id, _kind(request))
        return _picture(await picture.draw(), _kind(request))

    @get(
        ["/achievements/{slug:str}/image.svg", "/achievements/{slug:str}/image.png"],
        operation_id="GetAchievementImage",
    )
    async def achievement_image(
        self, request: AnyRequest, runtime: NamedDependency[Runtime], slug: FromPath[str]
    ) -> Response[bytes]:
        """The designed picture of a badge: its track, its level's name and colour."""
        async with runtime.read() as services:
            picture = await services.badge_pages.achievement_image(slug, _kind(request))
        return _picture(await picture.draw(), _kind(request))


def _kind(request: AnyRequest) -> Literal["png", "svg"]:
    return "png" if request.url.path.endswith(".png") else "svg"


def _picture(picture: bytes, kind: Literal["png", "svg"]) -> Response[bytes]:
    return Response(picture, media_type=_MEDIA[kind], headers={"Cache-Control": IMMUTABLE})


PAGE_ROUTES: list[ControllerRouterHandler] = [
    HomeController,
    ManagePageController,
    VerifyPageController,
    PicturesController,
    create_static_files_router(
        path="/static", directories=[STATIC], include_in_schema=False, name="static"
    ),
]
