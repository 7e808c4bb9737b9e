"""Burned-in text on exported frames: UTC, distance and altitude, a title."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=8)
def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has no sized default font
        return ImageFont.load_default()


@dataclass(frozen=True)
class Overlay:
    title: str = ""
    geometry: bool = True

    def lines(self, values: dict) -> list[str]:
        out = [self.title] if self.title else []
        out.append(f"{values['utc']} UTC")
        if self.geometry and values.get("distance_km") is not None:
            alt = values.get("altitude_km")
            out.append(
                f"{values['target']}: {values['distance_km']:,.0f} km"
                + (f", altitude {alt:,.0f} km" if alt is not None else "")
            )
        if "synthetic" in str(values.get("provenance", "")):
            out.append("synthetic data")
        return out

    def draw(self, rgb: np.ndarray, values: dict) -> np.ndarray:
        from PIL import Image, ImageDraw

        img = Image.fromarray(rgb)
        draw = ImageDraw.Draw(img)
        size = max(12, img.height // 40)
        font = _font(size)
        y = size // 2
        for line in self.lines(values):
            draw.text((size // 2 + 1, y + 1), line, fill=(0, 0, 0), font=font)
            draw.text((size // 2, y), line, fill=(235, 240, 250), font=font)
            y += int(size * 1.3)
        return np.asarray(img)
