"""Where the body labels of a frame go, and the font every piece of text in the app is drawn with.

Pure numpy (no GL), so the rules are unit-tested without rendering:

- a label is shown only for a body that can be seen: in front of the camera, its disc at least
  partly in the frame, its centre not behind another body (no "Io" printed on Jupiter while Io
  is behind it) and the camera not inside it (no "Juno" label in the view from Juno);
- labels never overlap: the more important one (the camera's target, then the spacecraft, then
  the larger on screen) is placed first, a later one tries the other corners around its body
  and is dropped when none is free;
- a label is never cut by the frame's edge: its box is shifted inside.

The text itself is drawn from the DejaVu Sans file shipped in ``assets/fonts`` (never a font the
system resolves by name), so a frame looks the same on every machine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

FONT_FILE = ("fonts", "DejaVuSans.ttf")
MONO_FONT_FILE = ("fonts", "DejaVuSansMono.ttf")
LABEL_PX = 13  # label text height in pixels (the font's em size)
GAP_PX = 6.0  # between a body's disc and its label
MARGIN_PX = 2.0  # kept free at the frame's edge and between labels


def font_path() -> Path:
    """The shipped proportional font (DejaVu Sans; licence beside it)."""
    from perijove.resources import asset_path

    return asset_path(*FONT_FILE)


def mono_font_path() -> Path:
    """The shipped monospaced font (DejaVu Sans Mono), for the window's HUD."""
    from perijove.resources import asset_path

    return asset_path(*MONO_FONT_FILE)


@dataclass(frozen=True)
class Label:
    """One body's label request, in pixels (x right, y down)."""

    text: str
    centre: tuple[float, float]  # the body's projected centre
    radius_px: float  # its projected radius (0 for a point such as the spacecraft)
    importance: float  # higher is placed first


@dataclass(frozen=True)
class Placed:
    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels, y down


def occluded(eye: np.ndarray, point: np.ndarray, ellipsoids: Sequence[tuple[np.ndarray, np.ndarray]]) -> bool:
    """Whether the sight line from ``eye`` to ``point`` passes through any of the ellipsoids.

    ``ellipsoids`` are (centre, to_unit) pairs: ``to_unit`` maps a world offset from the centre
    into the frame where the ellipsoid is the unit sphere (``diag(1/radii) @ J2000→body``). A
    point inside an ellipsoid, or an eye inside one, counts as hidden.
    """
    if not len(ellipsoids):
        return False
    centres = np.array([c for c, _ in ellipsoids], dtype=float)
    to_units = np.array([t for _, t in ellipsoids], dtype=float)
    return bool(sight_blocked(eye, np.asarray(point, dtype=float)[None], centres, to_units)[0])


def sight_blocked(
    eye: np.ndarray, points: np.ndarray, centres: np.ndarray, to_units: np.ndarray, skip: np.ndarray | None = None
) -> np.ndarray:
    """For each of ``points`` (m, 3), whether its sight line from ``eye`` is blocked (``occluded``)
    by any of the ellipsoids (``centres`` (k, 3), ``to_units`` (k, 3, 3)), leaving out the pairs
    where ``skip`` (m, k) is true (a body's own label is not hidden by the body).

    Every label against every body in one pass of array work: a frame's labels, one at a time
    against one body at a time, took a fifth of a millisecond of Python.
    """
    eye = np.asarray(eye, dtype=float)
    points = np.atleast_2d(np.asarray(points, dtype=float))
    if not len(centres) or not len(points):
        return np.zeros(len(points), bool)
    p0 = np.einsum("kij,kj->ki", to_units, eye - centres)  # the eye, in each unit-sphere frame
    d = np.einsum("kij,mj->mki", to_units, points - eye)  # each sight line, in each frame
    a = np.einsum("mki,mki->mk", d, d)
    b = 2.0 * np.einsum("mki,ki->mk", d, p0)
    c = np.einsum("ki,ki->k", p0, p0) - 1.0
    disc = b * b - 4.0 * a * c
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (-b - np.sqrt(np.maximum(disc, 0.0))) / (2.0 * a)  # first entry along the sight line
    blocked = ((a != 0) & (disc > 0) & (t > 0.0) & (t < 1.0)) | (c <= 0)[None, :]  # or the eye is inside it
    if skip is not None:
        blocked &= ~skip
    return blocked.any(axis=1)


def _overlaps(box: tuple[float, float, float, float], placed: list[Placed]) -> bool:
    x0, y0, x1, y1 = box
    m = MARGIN_PX
    return any(x0 < p.box[2] + m and p.box[0] < x1 + m and y0 < p.box[3] + m and p.box[1] < y1 + m for p in placed)


def _inside(box: tuple[float, float, float, float], size: tuple[int, int]) -> tuple[float, float, float, float]:
    """The box shifted (not cut) so it lies within the frame, ``MARGIN_PX`` from each edge."""
    x0, y0, x1, y1 = box
    w, h = size
    dx = max(MARGIN_PX - x0, 0.0) + min(w - MARGIN_PX - x1, 0.0)
    dy = max(MARGIN_PX - y0, 0.0) + min(h - MARGIN_PX - y1, 0.0)
    return (x0 + dx, y0 + dy, x1 + dx, y1 + dy)


def in_frame(label: Label, size: tuple[int, int]) -> bool:
    """Whether any of the body's disc (or the point) is in the frame."""
    x, y = label.centre
    r = label.radius_px
    w, h = size
    return -r <= x <= w + r and -r <= y <= h + r


def layout(
    labels: Sequence[Label],
    size: tuple[int, int],
    extent: Callable[[str], tuple[int, int]],
    keep_clear: Sequence[tuple[float, float, float, float]] = (),
) -> list[Placed]:
    """Boxes for the labels that fit: by importance, no overlaps, all inside the frame.

    ``extent(text)`` gives a label's (width, height) in pixels. The first choice is up and to the
    right of the disc (where the eye looks for it), then below right, above left, below left.
    A label whose every choice would overlap one already placed is dropped. ``keep_clear``: boxes
    drawn over the frame by someone else (the window's HUD), which count as placed.
    """
    w, h = size
    placed: list[Placed] = [Placed("", tuple(map(float, box))) for box in keep_clear]
    reserved = len(placed)
    for label in sorted(labels, key=lambda lb: -lb.importance):
        if not in_frame(label, size):
            continue
        tw, th = extent(label.text)
        if tw + 2 * MARGIN_PX > w or th + 2 * MARGIN_PX > h:
            continue  # cannot fit in this frame at all
        x, y = label.centre
        off = 0.72 * label.radius_px  # the disc's 45° point
        right, left = x + off + GAP_PX, x - off - GAP_PX - tw
        above, below = y - off - GAP_PX - th, y + off + GAP_PX
        for bx, by in ((right, above), (right, below), (left, above), (left, below)):
            box = _inside((bx, by, bx + tw, by + th), size)
            if not _overlaps(box, placed):
                placed.append(Placed(label.text, box))
                break
    return placed[reserved:]


@lru_cache(maxsize=8)
def _font(size_px: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(font_path()), size_px)


STROKE_PX = 2  # a dark outline keeps labels legible over Jupiter's bright clouds


@lru_cache(maxsize=256)  # asked for every label of every frame; the same few names
def text_extent(text: str, size_px: int = LABEL_PX) -> tuple[int, int]:
    """Pixel size of ``text`` as ``text_image`` draws it (the shipped font, with its outline)."""
    x0, y0, x1, y1 = _font(size_px).getbbox(text, stroke_width=STROKE_PX)
    return int(x1 - x0), int(y1 - y0)


@lru_cache(maxsize=64)
def text_image(text: str, size_px: int = LABEL_PX, colour: tuple[int, int, int] = (217, 230, 255)) -> np.ndarray:
    """RGBA uint8 image of ``text`` in the shipped font, light with a dark outline, tight to its ink."""
    from PIL import Image, ImageDraw

    font = _font(size_px)
    x0, y0, x1, y1 = font.getbbox(text, stroke_width=STROKE_PX)
    image = Image.new("RGBA", (max(int(x1 - x0), 1), max(int(y1 - y0), 1)), (0, 0, 0, 0))
    ImageDraw.Draw(image).text(
        (-x0, -y0), text, font=font, fill=(*colour, 235), stroke_width=STROKE_PX, stroke_fill=(0, 0, 0, 200)
    )
    return np.asarray(image)
