"""What kind of truth a kernel carries: synthetic, predicted, reconstructed.

Users must always know whether they are looking at the project's synthetic
stand-in or at NAIF's reconstructed trajectory. Our generator stamps its
files with ``SYNTHETIC_MARKER``; for NAIF files the naming conventions of the
Juno archive (``spk_rec_``/``spk_pre_``) and the label keywords tell the rest.
"""

from __future__ import annotations

import re
from pathlib import Path

SYNTHETIC_MARKER = "PERIJOVE-SYNTHETIC"

_GENERIC = {"LSK", "TPC", "FK", "SCLK", "IK", "PCK", "DSK", "TEXT"}


def classify(path: Path, kind: str, comments: str = "") -> str:
    """One word: synthetic, reconstructed, predicted, planetary, generic or unknown."""
    if SYNTHETIC_MARKER in comments:
        return "synthetic"
    name = path.name.lower()
    if kind in _GENERIC:
        return "generic"
    if kind == "SPK" and re.match(r"de\d{3}", name):
        return "planetary"
    if re.search(r"(^|_)rec(_|$|\.)|reconstructed", name):
        return "reconstructed"
    if re.search(r"(^|_)(pre|pred|prd)(_|$|\.)|predict", name):
        return "predicted"
    if re.match(r"jup\d{3}", name):
        return "planetary"
    return "unknown"


def source_file(kernels, body: int, et: float):
    """The loaded SPK that supplies ``body``'s state at ``et``: the last loaded file covering it.

    SPICE searches files in reverse load order, so with real kernels layered over the synthetic
    set, one event can rest on a predicted Juno and a synthetic moon; each number must say so.
    ``kernels`` is a ``KernelSet``; None when no file covers the body then.
    """
    for f in reversed(kernels.files):
        if f.kind == "SPK" and any(w.start <= et <= w.stop for w in f.coverage.get(body, ())):
            return f
    return None


def body_provenance(kernels, bodies, et: float) -> dict[str, str]:
    """Display name → provenance of the file supplying each body at ``et`` ("no data" if none)."""
    from perijove.ephemeris.bodies import body_id, display_name

    out: dict[str, str] = {}
    for body in bodies:
        f = source_file(kernels, body_id(body), et)
        out[display_name(body)] = f.provenance if f is not None else "no data"
    return out


def describe(provenance: dict[str, str]) -> str:
    """``Juno predicted, Europa synthetic`` (one line for tables, HUDs and sidecars)."""
    return ", ".join(f"{name} {kind}" for name, kind in provenance.items()) or "none"
