"""Pictures Insigne draws itself: the designed badge (SVG and PNG), the link-preview card, QR codes.

Pure functions of their text, no database and no network. The SVG and the PNG of a badge are
the same design; the PNG is drawn with Pillow (no SVG rasteriser, no system library) in DejaVu Sans.
"""

import io
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

import segno
from PIL import Image, ImageDraw, ImageFont

BADGE_SIZE = 512
CARD_WIDTH, CARD_HEIGHT = 1200, 630
# Colours with a contrast of at least 4.5:1 between text and ground (WCAG AA).
INK = "#14213d"
GROUND = "#f6f1e7"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
LEVEL_COLOURS = ("#1d4e89", "#2a6f4e", "#7a3b69", "#8a4b08", "#5b3f99")


@dataclass(frozen=True)
class BadgeArt:
    """What the designed badge shows."""

    name: str  # "Leadership pédagonumérique 1 – Explorateur"
    track: str  # "Leadership pédagonumérique"
    level: int
    level_name: str  # "Explorateur"

    @property
    def colour(self) -> str:
        return LEVEL_COLOURS[(self.level - 1) % len(LEVEL_COLOURS)]


@lru_cache(maxsize=256)
def badge_svg(art: BadgeArt) -> bytes:
    """The designed badge as SVG: a medal in the level's colour, the track and the level."""
    lines = textwrap.wrap(art.track, 18)[:3]
    first = 236 - 22 * (len(lines) - 1)
    track = "".join(
        f'<tspan x="256" y="{first + 46 * i}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512" '
        f'role="img" aria-label="{escape(art.name, {chr(34): "&quot;"})}">'
        f"<title>{escape(art.name)}</title>"
        f'<circle cx="256" cy="256" r="248" fill="{art.colour}"/>'
        f'<circle cx="256" cy="256" r="222" fill="none" stroke="{GROUND}" stroke-width="6" '
        'stroke-dasharray="4 10"/>'
        f'<circle cx="256" cy="256" r="196" fill="{GROUND}"/>'
        f'<text x="256" y="128" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" '
        f'font-size="64" font-weight="700" fill="{art.colour}">{art.level}</text>'
        f'<text text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" font-size="34" '
        f'font-weight="700" fill="{INK}">{track}</text>'
        f'<rect x="96" y="346" width="320" height="56" rx="28" fill="{art.colour}"/>'
        f'<text x="256" y="384" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" '
        f'font-size="28" font-weight="700" fill="#ffffff">{escape(art.level_name)}</text>'
        "</svg>"
    ).encode()


@lru_cache(maxsize=256)
def badge_png(art: BadgeArt) -> bytes:
    """The same design as `badge_svg`, drawn as a 512×512 PNG."""
    return _png(_badge_image(art, BADGE_SIZE))


@lru_cache(maxsize=256)
def preview_card(art: BadgeArt, *, earner: str, issuer: str) -> bytes:
    """The 1200×630 Open Graph card: the badge on the left, who earned what on the right."""
    card = Image.new("RGB", (CARD_WIDTH, CARD_HEIGHT), GROUND)
    badge = _badge_image(art, 470)
    card.paste(badge, (70, 80), badge)
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, CARD_WIDTH, 18), fill=art.colour)
    y = 100
    for text, size, colour, gap in (
        (art.name, 46, INK, 30),
        (earner, 38, art.colour, 20),
        (issuer, 26, INK, 0),
    ):
        for line in _wrap(text, _font(size), 560)[:4]:
            draw.text((600, y), line, font=_font(size), fill=colour)
            y += round(size * 1.3)
        y += gap
    draw.text((600, 560), "Insigne · Open Badges 3.0", font=_font(24), fill=INK)
    return _png(card)


@lru_cache(maxsize=1024)
def qr_svg(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=2, title=url)
    return out.getvalue()


@lru_cache(maxsize=1024)
def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=12, border=2)
    return out.getvalue()


def _badge_image(art: BadgeArt, size: int) -> Image.Image:
    scale = size / BADGE_SIZE
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)

    def box(radius: float) -> tuple[float, float, float, float]:
        return (
            (256 - radius) * scale,
            (256 - radius) * scale,
            (256 + radius) * scale,
            (256 + radius) * scale,
        )

    draw.ellipse(box(248), fill=art.colour)
    draw.ellipse(box(222), outline=GROUND, width=max(1, round(6 * scale)))
    draw.ellipse(box(196), fill=GROUND)
    centre = 256 * scale
    draw.text(
        (centre, 108 * scale), str(art.level), font=_font(64 * scale), fill=art.colour, anchor="mm"
    )
    lines = _wrap(art.track, _font(34 * scale), 330 * scale)[:3]
    first = 236 - 22 * (len(lines) - 1)
    for i, line in enumerate(lines):
        y = (first + 46 * i - 12) * scale
        draw.text((centre, y), line, font=_font(34 * scale), fill=INK, anchor="mm")
    draw.rounded_rectangle(
        (96 * scale, 346 * scale, 416 * scale, 402 * scale), radius=28 * scale, fill=art.colour
    )
    draw.text(
        (centre, 374 * scale), art.level_name, font=_font(28 * scale), fill="#ffffff", anchor="mm"
    )
    return image


@lru_cache(maxsize=32)
def _font(size: float) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans Bold (Debian's fonts-dejavu-core: every accent of French), else Pillow's own."""
    try:
        return ImageFont.truetype(FONT, round(size))
    except OSError:
        return ImageFont.load_default(size=round(size))


def _wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float) -> list[str]:
    """`text` in lines no wider than `width` pixels (a word longer than that stands alone)."""
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
