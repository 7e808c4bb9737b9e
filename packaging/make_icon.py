"""Draws Perijove's application icon: a banded Jupiter, Io, and Juno's orbit.

One description of the design produces the SVG, the PNG sizes (drawn with
Pillow at 4x and downsampled), and the bundles' icons: Windows' ``.ico`` and
macOS's ``.icns``, each holding every size drawn the same way rather than one
image scaled down, so they always match. Run from the repo root:
``python packaging/make_icon.py``; the outputs are committed.
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "assets" / "icons"  # shipped: the window uses them too
BUNDLE_OUT = Path(__file__).resolve().parent / "icons"  # only the bundles use these: not in the wheel
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # 256 is the largest an .ico holds
ICNS_SIZES = (32, 64, 128, 256, 512, 1024)  # what Pillow writes into an .icns (16 px: 32 at 2x)

# Design in a 256 x 256 box.
BG = "#0b1020"
BANDS = [
    (-1.0, -0.62, "#8a8580"),
    (-0.62, -0.28, "#c9a27e"),
    (-0.28, -0.08, "#a2674a"),
    (-0.08, 0.12, "#f1e6cf"),
    (0.12, 0.34, "#9c5f42"),
    (0.34, 0.62, "#d9c3a1"),
    (0.62, 1.0, "#8d8782"),
]
CX, CY, R = 118, 138, 82
IO = (206, 70, 17, "#e6cf62")
ORBIT = (128, 128, 112, 44, -28)  # centre x, y, rx, ry, rotation degrees


def svg() -> str:
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256" width="256" height="256">',
        f'<rect width="256" height="256" rx="48" fill="{BG}"/>',
        f'<clipPath id="j"><circle cx="{CX}" cy="{CY}" r="{R}"/></clipPath>',
        '<g clip-path="url(#j)">',
    ]
    for lo, hi, colour in BANDS:
        y0, y1 = CY + lo * R, CY + hi * R
        parts.append(f'<rect x="{CX - R}" y="{y0:.1f}" width="{2 * R}" height="{y1 - y0:.1f}" fill="{colour}"/>')
    parts.append(f'<ellipse cx="{CX + 30}" cy="{CY + 0.45 * R:.1f}" rx="14" ry="8" fill="#c0553a"/>')
    parts.append(f'<circle cx="{CX + 30}" cy="{CY}" r="{R}" fill="#000" opacity="0.35"/></g>')
    cx, cy, rx, ry, rot = ORBIT
    parts.append(
        f'<ellipse cx="{cx}" cy="{cy}" rx="{rx}" ry="{ry}" fill="none" stroke="#ffb347" stroke-width="5" '
        f'transform="rotate({rot} {cx} {cy})"/>'
    )
    x, y, r, colour = IO
    parts.append(f'<circle cx="{x}" cy="{y}" r="{r}" fill="{colour}"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def png(size: int):
    from PIL import Image, ImageChops, ImageDraw

    k = size * 4 / 256
    img = Image.new("RGBA", (size * 4, size * 4), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([0, 0, size * 4 - 1, size * 4 - 1], radius=int(48 * k), fill=BG)
    planet = Image.new("RGBA", img.size, (0, 0, 0, 0))
    pd = ImageDraw.Draw(planet)
    for lo, hi, colour in BANDS:
        pd.rectangle([(CX - R) * k, (CY + lo * R) * k, (CX + R) * k, (CY + hi * R) * k], fill=colour)
    pd.ellipse([(CX + 16) * k, (CY + 0.45 * R - 8) * k, (CX + 44) * k, (CY + 0.45 * R + 8) * k], fill="#c0553a")
    shade = Image.new("RGBA", img.size, (0, 0, 0, 0))
    ImageDraw.Draw(shade).ellipse(
        [(CX + 30 - R) * k, (CY - R) * k, (CX + 30 + R) * k, (CY + R) * k], fill=(0, 0, 0, 90)
    )
    planet = Image.alpha_composite(planet, shade)
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).ellipse([(CX - R) * k, (CY - R) * k, (CX + R) * k, (CY + R) * k], fill=255)
    planet.putalpha(ImageChops.multiply(planet.getchannel("A"), mask))
    img = Image.alpha_composite(img, planet)
    orbit = Image.new("RGBA", img.size, (0, 0, 0, 0))
    cx, cy, rx, ry, rot = ORBIT
    ImageDraw.Draw(orbit).ellipse(
        [(cx - rx) * k, (cy - ry) * k, (cx + rx) * k, (cy + ry) * k], outline="#ffb347", width=max(int(5 * k), 1)
    )
    img = Image.alpha_composite(img, orbit.rotate(-rot, center=(cx * k, cy * k)))
    x, y, r, colour = IO
    ImageDraw.Draw(img).ellipse([(x - r) * k, (y - r) * k, (x + r) * k, (y + r) * k], fill=colour)
    return img.resize((size, size), Image.Resampling.LANCZOS)


def write_bundle_icons(folder: Path) -> tuple[Path, Path]:
    """``perijove.ico`` (Windows) and ``perijove.icns`` (macOS) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    drawn = {size: png(size) for size in {*ICO_SIZES, *ICNS_SIZES}}
    ico, icns = folder / "perijove.ico", folder / "perijove.icns"
    big = drawn[max(ICO_SIZES)]
    big.save(ico, sizes=[(s, s) for s in ICO_SIZES], append_images=[drawn[s] for s in ICO_SIZES])
    big = drawn[max(ICNS_SIZES)]
    big.save(icns, append_images=[drawn[s] for s in ICNS_SIZES if s != max(ICNS_SIZES)])
    return ico, icns


def main() -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / "perijove.svg").write_text(svg())
    for size in SIZES:
        png(size).save(OUT / f"perijove-{size}.png")
    write_bundle_icons(BUNDLE_OUT)


if __name__ == "__main__":
    main()
