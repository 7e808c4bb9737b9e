"""Writes the text PCK of the synthetic set from ``constants``.

Our own writer (rather than a copy of NAIF's pck00011) keeps the embedded set
free of files we may not ship and makes each value traceable to DESIGN.md.
"""

from __future__ import annotations

from pathlib import Path

from perijove.ephemeris.provenance import SYNTHETIC_MARKER
from perijove.ephemeris.synth.constants import BODIES, GM, JUPITER_J2, JUPITER_J4, JUPITER_NUT_PREC


def _values(values: tuple[float, ...] | list[float], per_line: int = 4) -> str:
    # Text-kernel lines must stay short (SPICE reads at most 132 characters a line).
    items = [repr(float(v)) for v in values]
    rows = ["  ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "( " + "\n    ".join(rows) + " )"


def pck_text() -> str:
    """The whole PCK as text (deterministic)."""
    lines = [
        "KPL/PCK",
        "",
        f"Perijove synthetic PCK ({SYNTHETIC_MARKER}).",
        "",
        "Radii, pole and prime-meridian models of the Sun, Jupiter and the Galilean",
        "moons (IAU WGCCRE 2015 report), GM values (DE440, Juno gravity science), written",
        "by Perijove's kernel generator from the constants in its source. Jupiter's",
        "small 2015 nutation terms (Ja..Je, below 0.003 deg) are left out.",
        f"Jupiter zonal harmonics used by the Juno integrator: J2 = {JUPITER_J2}, J4 = {JUPITER_J4}",
        "(reference radius 71492 km).",
        "",
        "\\begindata",
        "",
        "BODY5_NUT_PREC_ANGLES = " + _values([v for pair in JUPITER_NUT_PREC for v in pair]),
        "",
    ]
    for body, fields in BODIES.items():
        for key, values in fields.items():
            lines.append(f"BODY{body}_{key} = {_values(values)}")
        lines.append("")
    for body, gm in GM.items():
        lines.append(f"BODY{body}_GM = ( {gm!r} )")
    lines += ["", "\\begintext", ""]
    return "\n".join(lines)


def write_pck(path: Path) -> Path:
    path.write_text(pck_text(), encoding="ascii")
    return path
