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
