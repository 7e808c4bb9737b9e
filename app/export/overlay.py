"""Burned-in text on exported frames: UTC, distance and altitude, a title.

A title is the user's own text, in any language and possibly several lines. It is drawn with
a font that covers many scripts, DejaVu Sans, shipped in ``assets/fonts`` (Latin, Greek,
Cyrillic, Armenian, Georgian, Hebrew, Arabic, and more), and each character
that font lacks with an installed font that has it, found through fontconfig (for Chinese,
Japanese, Korean, Indic scripts ... whatever the machine has). A character no installed font
can draw is refused when the overlay is made, with its code point, rather than drawn as a box.
Each line of a title gets a row of its own, long lines wrap, and the time is drawn below.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from dataclasses import dataclass, replace
from functools import cache, lru_cache

import numpy as np

from perijove.ephemeris import PerijoveError

# Tried in order, by file name (Pillow searches the system's font folders): broad coverage first.
PRIMARY_FONTS = (
    "DejaVuSans.ttf",
    "NotoSans-Regular.ttf",
    "LiberationSans-Regular.ttf",
    "Arial Unicode.ttf",
    "segoeui.ttf",
    "arial.ttf",
)
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
MAX_TITLE_ROWS = 4  # a title never covers more of the frame than this
MIN_TEXT_PX = 8  # the smallest text an overlay uses (a 40th of the frame's height above 320 px)
OVERLAY_MAX_HEIGHT = 0.4  # the most of a frame's height the overlay's rows cover
PROBE_PX = 24
NOT_A_CHARACTER = "\U0010ffff"  # mapped by no font: what a missing glyph looks like


@cache
def _primary() -> str | None:
    """Path of the main font: the DejaVu Sans the app ships, so frames match on every system.

    The system's fonts (by file name, then fontconfig) are only a fallback for a broken
    install; None means Pillow's built-in one (Latin only).
    """
    from PIL import ImageFont

    from perijove.render.labels import font_path

    shipped = font_path()
    if shipped.is_file():
        return str(shipped)
    for name in PRIMARY_FONTS:
        try:
            return str(ImageFont.truetype(name, PROBE_PX).path)
        except OSError:
            continue
    found = _fontconfig("sans-serif")
    return found[0] if found else None


@lru_cache(maxsize=128)
def _font(path: str | None, size: int):
    from PIL import ImageFont

    if path is None:
        try:
            return ImageFont.load_default(size=size)
        except TypeError:  # Pillow < 10.1 has no sized default font
            return ImageFont.load_default()
    return ImageFont.truetype(path, size)


def _loadable(path: str) -> bool:
    try:
        _font(path, PROBE_PX)
        _font(path, 13)  # bitmap-only (colour emoji) fonts load at one size only
    except OSError:
        return False
    return True


def _fontconfig(pattern: str) -> list[str]:
    """Font files fontconfig proposes for ``pattern``, best first (none without fontconfig)."""
    exe = shutil.which("fc-match")
    if exe is None:
        return []
    try:
        run = subprocess.run([exe, "-s", "-f", "%{file}\\n", pattern], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return []
    files = [line.strip() for line in run.stdout.splitlines()]
    return [f for f in files if f.lower().endswith(FONT_SUFFIXES)][:3]


def _glyph(path: str | None, ch: str) -> tuple:
    mask = _font(path, PROBE_PX).getmask(ch, mode="L")
    return mask.size, bytes(mask)


@lru_cache(maxsize=4096)
def _covers(path: str | None, ch: str) -> bool:
    """Whether the font has a glyph for ``ch``: anything but the box it draws for what it lacks."""
    return _glyph(path, ch) != _glyph(path, NOT_A_CHARACTER)


_fallbacks: list[str] = []


@lru_cache(maxsize=4096)
def font_for(ch: str) -> str | bool | None:
    """The font file that draws ``ch`` (None: Pillow's own font), or False when none here can."""
    primary = _primary()
    if unicodedata.category(ch) == "Zs" or _covers(primary, ch):
        return primary
    for path in _fallbacks:
        if _covers(path, ch):
            return path
    for path in _fontconfig(f"sans-serif:charset={ord(ch):x}"):
        if path != primary and _loadable(path) and _covers(path, ch):
            if path not in _fallbacks:
                _fallbacks.append(path)
            return path
    return False


def clean_title(title: str) -> list[str]:
    """The title's lines, without control characters and invisible marks no font here has."""
    lines = []
    for raw in title.splitlines():
        line = []
        for ch in raw.replace("\t", " "):
            category = unicodedata.category(ch)
            if category == "Cc" or (category == "Cf" and font_for(ch) is False):
                continue
            line.append(ch)
        text = "".join(line).strip()
        if text:
            lines.append(text)
    return lines


@dataclass(frozen=True)
class Overlay:
    title: str = ""
    geometry: bool = True
    # The farthest distance of the movie (``for_movie``): which rows a small frame leaves out is
    # decided on it, once, so that no row comes and goes as the numbers grow and shrink.
    widest_km: float | None = None

    def __post_init__(self) -> None:
        # Refuse now, in one line, rather than burn boxes into every frame of a long export.
        for ch in "".join(clean_title(self.title)):
            if font_for(ch) is False:
                raise PerijoveError(
                    f"title: no installed font can draw {ch!r} (U+{ord(ch):04X}); DejaVu Sans covers Latin,"
                    " Greek, Cyrillic, Armenian, Georgian, Hebrew and Arabic; install a font for other scripts"
                    " (e.g. fonts-noto-cjk)"
                )

    def for_movie(self, widest_km: float | None) -> Overlay:
        """This overlay laid out for a movie whose distance reaches ``widest_km`` (None: unknown)."""
        return replace(self, widest_km=widest_km)

    def lines(self, values: dict) -> list[str]:
        time, geometry, data, notes = self._parts(values)
        return [*clean_title(self.title), *time, *geometry, *data, *notes]

    def _parts(self, values: dict) -> tuple[list[str], list[str], list[str], list[str]]:
        """The time; the distance; the data it rests on (when synthetic); notes."""
        geometry = []
        if self.geometry and values.get("distance_km") is not None:
            geometry.append(self._geometry_row(values["target"], values["distance_km"], values.get("altitude_km")))
        data = ["synthetic data"] if "synthetic" in str(values.get("provenance", "")) else []
        notes = []
        if values.get("spin") == "steady":  # attitude.SPIN_STEADY: frames too far apart to show the spin
            notes.append("Juno's spin not shown (steady attitude)")
        return [f"{values['utc']} UTC"], geometry, data, notes

    @staticmethod
    def _geometry_row(target: str, distance_km: float, altitude_km: float | None) -> str:
        altitude = f", altitude {altitude_km:,.0f} km" if altitude_km is not None else ""
        return f"{target}: {distance_km:,.0f} km{altitude}"

    def _title_rows(self, size: int, room: float) -> list[str]:
        rows: list[str] = []
        for line in clean_title(self.title):
            rows.extend(_wrap(line, size, room))
        if len(rows) > MAX_TITLE_ROWS:
            rows = [*rows[: MAX_TITLE_ROWS - 1], _fit(rows[MAX_TITLE_ROWS - 1] + "…", size, room)]
        return rows

    def layout(self, values: dict, width: int, height: int) -> tuple[list[str], int]:
        """The rows drawn on a ``width`` x ``height`` frame, wrapped to it, and their text size (px)."""
        groups, size = self._groups(values, width, height)
        return [row for _rank, rows in groups for row in rows], size

    def _groups(self, values: dict, width: int, height: int) -> tuple[list[tuple[int, list[str]]], int]:
        """The rows by what they show, ranked by how much they are needed (0: the time and the data
        note, kept always), and the text size.

        Text scales with the frame (a 40th of its height, at least 8 px), and the rows fill at most
        OVERLAY_MAX_HEIGHT of it: on a small frame the least needed go first (the spin note, the
        title's later rows, its first row, last the distance). In a movie (``for_movie``) which go
        is decided on its farthest distance, not this frame's, so that no row comes and goes as
        the numbers change.
        """
        size, room = _text_size(width, height)
        margin = size // 2
        title_rows = self._title_rows(size, room)
        time, geometry, data, notes = (_wrapped(rows, size, room) for rows in self._parts(values))
        widest = geometry
        if self.widest_km is not None and self.geometry:
            widest = _wrapped([self._geometry_row(values["target"], self.widest_km, self.widest_km)], size, room)
        # (rank, rows drawn, rows the decision counts), in reading order; rank 0 is never dropped.
        groups = [
            (2, title_rows[:1], title_rows[:1]),
            (3, title_rows[1:], title_rows[1:]),
            (0, time, time),
            (1, geometry, widest),
            (0, data, data),
            (4, notes, notes),
        ]
        ascent, descent = _metrics(_font(_primary(), size), size)
        step = max(int(size * 1.3), ascent + descent + max(2, size // 5))
        fits = max(1, int((OVERLAY_MAX_HEIGHT * height - margin - (ascent + descent)) // step) + 1)
        for rank in (4, 3, 2, 1):
            if sum(len(counted) for _r, _s, counted in groups) <= fits:
                break
            groups = [g for g in groups if g[0] != rank]
        return [(rank, shown) for rank, shown, _counted in groups], size

    def left_out(self, values: dict, width: int, height: int) -> list[str]:
        """What frames of this size leave out for want of room (for a note to the user)."""
        kept = {rank for rank, _rows in self._groups(values, width, height)[0]}
        title_rows = self._title_rows(*_text_size(width, height))
        _time, geometry, _data, notes = self._parts(values)
        names = {
            2: "the title" if title_rows else "",
            3: "the title's later lines" if len(title_rows) > 1 and 2 in kept else "",
            1: "the distance" if geometry else "",
            4: "the spin note" if notes else "",
        }
        out = [name for rank, name in names.items() if name and rank not in kept]
        size, room = _text_size(width, height)
        whole = sum(len(_wrap(line, size, room)) for line in clean_title(self.title))
        if whole > MAX_TITLE_ROWS and 3 in kept:  # shown, but cut to its first rows
            out.append(f"the title's rows past the {MAX_TITLE_ROWS}th")
        return out

    def extent(self, values: dict, width: int, height: int) -> tuple[float, float, float, float]:
        """The box (x0, y0, x1, y1, pixels from the top left) the rows cover on such a frame, its
        shadow included; in a movie (``for_movie``) wide enough for its farthest distance, so one
        box serves every frame. The scene lays its labels out around it (``Scene.keep_clear``)."""
        groups, size = self._groups(values, width, height)
        rows = [row for _rank, shown in groups for row in shown]
        if self.widest_km is not None and self.geometry and any(rank == 1 for rank, _shown in groups):
            widest = self._geometry_row(values.get("target", ""), self.widest_km, self.widest_km)
            rows += _wrapped([widest], size, _text_size(width, height)[1])  # wrapped as the rows are drawn
        if not rows:
            return (0.0, 0.0, 0.0, 0.0)
        margin = size // 2
        ascent, descent = _metrics(_font(_primary(), size), size)
        step = max(int(size * 1.3), ascent + descent + max(2, size // 5))
        shown = sum(len(shown) for _rank, shown in groups)
        right = margin + max(_width(row, size) for row in rows) + 2  # the shadow, a pixel right
        bottom = margin + (shown - 1) * step + ascent + descent + 2
        return (0.0, 0.0, float(min(right + margin, width)), float(min(bottom + margin // 2, height)))

    def draw(self, rgb: np.ndarray, values: dict) -> np.ndarray:
        from PIL import Image, ImageDraw

        img = Image.fromarray(rgb)
        draw = ImageDraw.Draw(img)
        rows, size = self.layout(values, img.width, img.height)
        margin = size // 2
        y = margin
        for row in rows:
            runs = _runs(row)
            fonts = [_font(path, size) for path, _text in runs] or [_font(_primary(), size)]
            ascent = max(_metrics(f, size)[0] for f in fonts)
            descent = max(_metrics(f, size)[1] for f in fonts)
            x = float(margin)
            for (_path, text), font in zip(runs, fonts, strict=True):
                # On one baseline, whichever fonts the row needs.
                base = y + ascent - (0 if hasattr(font, "getmetrics") else size)
                anchor = "ls" if hasattr(font, "getmetrics") else None
                draw.text((x + 1, base + 1), text, fill=(0, 0, 0), font=font, anchor=anchor)
                draw.text((x, base), text, fill=(235, 240, 250), font=font, anchor=anchor)
                x += font.getlength(text)
            y += max(int(size * 1.3), ascent + descent + max(2, size // 5))
        return np.asarray(img)


def say_left_out(parts: list[str] | tuple[str, ...]) -> str:
    """The parts as a sentence names them: "the title, the distance and the spin note"."""
    parts = list(parts)
    return " and ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _text_size(width: int, height: int) -> tuple[int, float]:
    """An overlay's text size on frames of this size (a 40th of the height, at least MIN_TEXT_PX)
    and the width its rows wrap to."""
    size = max(MIN_TEXT_PX, height // 40)
    return size, max(width - 2 * (size // 2), size)


def _wrapped(rows: list[str], size: int, width: float) -> list[str]:
    return [part for row in rows for part in _wrap(row, size, width)]


def _metrics(font, size: int) -> tuple[int, int]:
    """Ascent and descent (a bitmap font, Pillow's last resort, has no metrics: guess from its size)."""
    return font.getmetrics() if hasattr(font, "getmetrics") else (size, size // 4)


def _runs(text: str) -> list[tuple[str | None, str]]:
    """``text`` cut where the font that draws it changes."""
    runs: list[tuple[str | None, str]] = []
    for ch in text:
        path = font_for(ch)
        path = _primary() if path is False else path
        if runs and runs[-1][0] == path:
            runs[-1] = (path, runs[-1][1] + ch)
        else:
            runs.append((path, ch))
    return runs


def _width(text: str, size: int) -> float:
    return sum(_font(path, size).getlength(part) for path, part in _runs(text))


def _wrap(line: str, size: int, width: float) -> list[str]:
    """Greedy word wrap; a word wider than the frame (or text without spaces) breaks anywhere."""
    rows: list[str] = []
    current = ""
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if _width(candidate, size) <= width:
            current = candidate
            continue
        if current:
            rows.append(current)
        current = ""
        for ch in word:
            if current and _width(current + ch, size) > width:
                rows.append(current)
                current = ""
            current += ch
    if current:
        rows.append(current)
    return rows


def _fit(text: str, size: int, width: float) -> str:
    while len(text) > 1 and _width(text, size) > width:
        text = text[:-2] + "…"
    return text
