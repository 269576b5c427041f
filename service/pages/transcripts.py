"""The earner's transcript, from any of their badges' management links: for all their badges.

``…/manage/{token}/transcript`` is the printable attestation (HTML designed for print, with a
choice of period); ``.json`` the signed record, ``.png`` a picture with the record baked in
(OB 3.0 baking, as for badges), ``.pdf`` the attestation's same HTML rendered by WeasyPrint,
which fetches nothing (everything it needs is inline: styles, the QR code as SVG).
"""

import uuid
from typing import Annotated, Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from openbadges import FairThreads
from openbadges.baking import bake
from service.domain.catalogue.badge_art import BadgeArt
from service.domain.credentials.attestations import attestation_view
from service.domain.errors import NotFound
from service.domain.portfolios.badge_pages import badge_picture
from service.domain.texts import Said
from service.pages.errors import PAGE_ERRORS
from service.pages.strings import TEXT, long_date
from service.pages.views import PRIVATE_HEADERS, AnyRequest, language
from service.pipelines.transcript_issuance import TranscriptResult, transcript_for_earner
from service.runtime import Runtime
from service.throttling import caller_address, count_caller

Period = Annotated[str | None, QueryParameter(max_length=30)]
RENDERERS = FairThreads(2, "insigne-pdfs")
"""The threads that render PDFs (about 0.2 s of CPU each), apart from the pictures' and every
other slow work's; callers take them in turn, by address as their limit counts them."""
PDF, PNG = "application/pdf", "image/png"


class EarnerTranscriptController(Controller):
    path = "/credentials/{credential_id:uuid}/manage/{token:str}"
    include_in_schema = False
    exception_handlers = PAGE_ERRORS

    @get("/transcript", operation_id="ShowEarnerTranscript")
    async def page(
        self,
        request: AnyRequest,
        runtime: NamedDependency[Runtime],
        credential_id: FromPath[uuid.UUID],
        token: FromPath[str],
        period: Period = None,
    ) -> Response[str]:
        """The printable attestation, with the period chooser and the downloads."""
        result = await transcript_for_earner(runtime, credential_id, token, period)
        html = _attestation(request, runtime, result, for_print=False)
        return Response(html, media_type="text/html; charset=utf-8", headers=PRIVATE_HEADERS)

    @get("/transcript.json", operation_id="GetEarnerTranscript")
    async def document(
        self,
        runtime: NamedDependency[Runtime],
        credential_id: FromPath[uuid.UUID],
        token: FromPath[str],
        period: Period = None,
    ) -> Response[bytes]:
        """The signed record (CLR 2.0), to keep or hand over."""
        result = await transcript_for_earner(runtime, credential_id, token, period)
        transcript = _signed(result)
        return _download(transcript.signed_json, "application/vc+ld+json", result, "json")

    @get("/transcript.png", operation_id="GetEarnerTranscriptImage")
    async def image(
        self,
        runtime: NamedDependency[Runtime],
        credential_id: FromPath[uuid.UUID],
        token: FromPath[str],
        period: Period = None,
    ) -> Response[bytes]:
        """A picture with the signed record baked in."""
        result = await transcript_for_earner(runtime, credential_id, token, period)
        transcript = _signed(result)
        chosen = result.draft.period
        art = BadgeArt("Relevé de formation continue", f"Formation continue {chosen.code}", 1, "")
        picture = await badge_picture(art, "png")
        return _download(bake(picture, transcript.document), PNG, result, "png")

    @get("/transcript.pdf", operation_id="GetEarnerTranscriptPdf")
    async def pdf(
        self,
        request: AnyRequest,
        runtime: NamedDependency[Runtime],
        credential_id: FromPath[uuid.UUID],
        token: FromPath[str],
        period: Period = None,
    ) -> Response[bytes]:
        """The attestation as one printable page (PDF).

        Rendering one costs about 0.2 s of CPU on the renderers' threads (`RENDERERS`), so each
        request counts against the caller's address, as an anonymous API request does.
        """
        await count_caller(runtime, "pdf", "too-many-pdfs", None, caller_address(request, runtime))
        result = await transcript_for_earner(runtime, credential_id, token, period)
        html = _attestation(request, runtime, result, for_print=True)
        pdf = await RENDERERS.run(render_pdf, html)  # off the event loop, the caller in turn
        return _download(pdf, PDF, result, "pdf")


def render_pdf(html: str) -> bytes:
    """The printable page as a PDF, fetching nothing.

    WeasyPrint is imported here, when a PDF is asked for. Its import turns on Pillow's
    process-wide ``LOAD_TRUNCATED_IMAGES``, which would let truncated pictures through the
    image sanitiser: it is turned back off.
    """
    import weasyprint
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    pdf: bytes = weasyprint.HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    return pdf


def _signed(result: TranscriptResult) -> Any:  # noqa: ANN401 - a Transcript
    if result.transcript is None:
        raise NotFound(Said("transcript-empty"))
    return result.transcript


def _download(body: bytes, media_type: str, result: TranscriptResult, ext: str) -> Response[bytes]:
    name = f"releve-formation-continue-{result.draft.period.code.replace('/', '_')}.{ext}"
    headers = {**PRIVATE_HEADERS, "Content-Disposition": f'inline; filename="{name}"'}
    return Response(body, media_type=media_type, headers=headers)


def _attestation(
    request: AnyRequest, runtime: Runtime, result: TranscriptResult, *, for_print: bool
) -> str:
    lang = language(request)
    view = attestation_view(result.draft, result.transcript, runtime.urls, runtime.clock().date())
    base = request.url.path.removesuffix(".pdf")
    query = f"?lang={lang}&period={view.period_code}"
    engine = request.app.template_engine
    assert engine is not None  # noqa: S101 - the app is built with its templates
    template = engine.get_template("attestation.html")
    html: str = template.render(
        lang=lang,
        t=TEXT[lang],
        other_lang="en" if lang == "fr" else "fr",
        date=lambda value: long_date(value, lang),
        hours=lambda value: _hours(value, lang),
        view=view,
        for_print=for_print,
        links={
            "page": base,
            "json": f"{base}.json{query}",
            "png": f"{base}.png{query}",
            "pdf": f"{base}.pdf{query}",
        },
    )
    return html


def _hours(value: float, lang: str) -> str:
    """``2.5`` in English, ``2,5`` in French."""
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "fr" else text


def _no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, Any]:
    """WeasyPrint fetches nothing: the attestation's HTML is self-contained."""
    raise ValueError(f"the attestation loads nothing: {url[:80]}")
