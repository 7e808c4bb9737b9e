"""Named sets of official kernels (and maps) a user can fetch, with their roles and provenance.

Paths are relative to a base URL laid out like NAIF's server
(``https://naif.jpl.nasa.gov/pub/naif/``), so a mirror with the same layout
works by changing the base URL. Juno's reconstructed trajectory comes in
per-orbit files whose names carry their date range; they are found by
reading the directory listing rather than hard-coding names that change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NAIF_BASE = "https://naif.jpl.nasa.gov/pub/naif/"


@dataclass(frozen=True)
class RemoteFile:
    path: str  # relative to the set's base URL
    role: str
    provenance: str
    size: int | None = None  # published size in bytes, shown before downloading
    sha256: str | None = None  # when a hash is published; otherwise recorded on first download
    optional: bool = False

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Listing:
    """Files found in a directory listing whose names give the dates they cover."""

    directory: str
    pattern: str  # a regex with groups start and stop as YYMMDD
    role: str
    provenance: str
    start: str = "2023-12-01"
    stop: str = "2024-02-29"
    fallback: str | None = None  # one file covering everything, if no per-period files fit


@dataclass(frozen=True)
class KernelSetSpec:
    name: str
    description: str
    base_url: str
    files: tuple[RemoteFile, ...]
    listings: tuple[Listing, ...] = field(default_factory=tuple)
    kind: str = "kernels"  # or "maps"


JUNO_SPK_PATTERN = r"^spk_rec_(?P<start>\d{6})_(?P<stop>\d{6})_(?P<made>\d{6})\.bsp$"

SETS: dict[str, KernelSetSpec] = {
    "juno-io-flybys": KernelSetSpec(
        name="juno-io-flybys",
        description="NAIF's reconstructed Juno trajectory around the Io flybys, with the planets and moons",
        base_url=NAIF_BASE,
        files=(
            RemoteFile("generic_kernels/lsk/naif0012.tls", "leapseconds", "generic", 5_257),
            RemoteFile("generic_kernels/pck/pck00011.tpc", "radii and orientation", "generic", 131_227),
            RemoteFile("generic_kernels/spk/planets/de440s.bsp", "Sun, Earth, planets", "planetary", 32_726_016),
            RemoteFile("JUNO/kernels/spk/jup388s.bsp", "Jupiter and the Galilean moons", "planetary", 37_748_736),
            RemoteFile("JUNO/kernels/fk/juno_v12.tf", "Juno frames", "generic", 154_356),
        ),
        listings=(
            Listing(
                "JUNO/kernels/spk/", JUNO_SPK_PATTERN, "Juno trajectory", "reconstructed", fallback="juno_rec_orbit.bsp"
            ),
        ),
    ),
    "maps": KernelSetSpec(
        name="maps",
        description="Public-domain global maps the scene uses instead of its procedural ones",
        base_url="https://",
        files=(
            RemoteFile(
                "planetarymaps.usgs.gov/mosaic/Io_GalileoSSI-Voyager_Global_Mosaic_ClrMerge_1km.tif",
                "io",
                "USGS Astrogeology (public domain)",
                196_000_000,
            ),
            RemoteFile(
                "photojournal.jpl.nasa.gov/jpeg/PIA07782.jpg", "jupiter", "NASA/JPL/SSI (public domain)", 3_500_000
            ),
        ),
        kind="maps",
    ),
}


def parse_listing(html: str) -> list[str]:
    """File names linked from an Apache-style index page."""
    names = re.findall(r'href="([^"?/][^"?]*)"', html, flags=re.IGNORECASE)
    return [n for n in names if not n.startswith(("http:", "https:", "mailto:", "#"))]


def yymmdd(text: str) -> str:
    year = int(text[:2])
    return f"{2000 + year if year < 90 else 1900 + year}-{text[2:4]}-{text[4:6]}"


def select_period_files(names: list[str], listing: Listing) -> list[tuple[str, str, str]]:
    """(name, start, stop) of the listed files that overlap the listing's window, newest first per period."""
    pattern = re.compile(listing.pattern)
    chosen: dict[tuple[str, str], tuple[str, str]] = {}
    for name in names:
        m = pattern.match(name)
        if not m:
            continue
        start, stop = yymmdd(m["start"]), yymmdd(m["stop"])
        if stop < listing.start or start > listing.stop:
            continue
        made = m.groupdict().get("made", "")
        key = (start, stop)
        if key not in chosen or made > chosen[key][1]:
            chosen[key] = (name, made)
    return sorted(((name, start, stop) for (start, stop), (name, _made) in chosen.items()), key=lambda t: t[1])
