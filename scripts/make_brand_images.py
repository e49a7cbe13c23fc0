"""Draw the integration's brand images (a sun over a battery), our own artwork.

Run with the project's venv (Pillow comes with Home Assistant):
    .venv/bin/python scripts/make_brand_images.py
"""

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND_DIR = (
    Path(__file__).parent.parent / "custom_components" / "izypower_cloud" / "brand"
)
NAVY = (18, 61, 99, 255)
SUN = (255, 183, 27, 255)
WHITE = (255, 255, 255, 255)
GREEN = (88, 204, 112, 255)


def draw_icon(size: int) -> Image.Image:
    """Draw the square icon on a 256-unit grid scaled to `size` pixels."""
    s = size / 256
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle([8 * s, 8 * s, 248 * s, 248 * s], radius=48 * s, fill=NAVY)
    cx, cy, r = 128 * s, 104 * s, 40 * s
    for ray in range(12):
        angle = ray * math.pi / 6
        inner, outer = r + 12 * s, r + 34 * s
        draw.line(
            [
                cx + math.cos(angle) * inner,
                cy + math.sin(angle) * inner,
                cx + math.cos(angle) * outer,
                cy + math.sin(angle) * outer,
            ],
            fill=SUN,
            width=max(2, int(10 * s)),
        )
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=SUN)
    draw.rounded_rectangle(
        [64 * s, 176 * s, 184 * s, 224 * s],
        radius=8 * s,
        outline=WHITE,
        width=max(2, int(8 * s)),
    )
    draw.rectangle([184 * s, 190 * s, 196 * s, 210 * s], fill=WHITE)
    draw.rectangle([76 * s, 188 * s, 148 * s, 212 * s], fill=GREEN)
    return img


def draw_logo(height: int) -> Image.Image:
    """Draw the icon followed by the name."""
    icon = draw_icon(height)
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.truetype(
            "DejaVuSans-Bold.ttf", int(height * 0.42)
        )
    except OSError:
        font = ImageFont.load_default(size=int(height * 0.42))
    text = "Izypower Cloud"
    width = int(font.getlength(text)) + height + int(height * 0.3)
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    img.paste(icon, (0, 0), icon)
    ImageDraw.Draw(img).text(
        (height + int(height * 0.15), height // 2),
        text,
        fill=NAVY,
        font=font,
        anchor="lm",
    )
    return img


def main() -> None:
    """Write icon.png (256), icon@2x.png (512), logo.png and logo@2x.png."""
    BRAND_DIR.mkdir(parents=True, exist_ok=True)
    draw_icon(256).save(BRAND_DIR / "icon.png", optimize=True)
    draw_icon(512).save(BRAND_DIR / "icon@2x.png", optimize=True)
    draw_logo(128).save(BRAND_DIR / "logo.png", optimize=True)
    draw_logo(256).save(BRAND_DIR / "logo@2x.png", optimize=True)


if __name__ == "__main__":
    main()
