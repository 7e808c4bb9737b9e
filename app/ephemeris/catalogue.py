"""Named sets of official kernels (and maps) a user can fetch, with their roles and provenance.

Paths are relative to a base URL laid out like NAIF's server
(``https://naif.jpl.nasa.gov/pub/naif/``), so a mirror with the same layout
works by changing the base URL. Juno's reconstructed trajectory comes in
per-orbit files whose names carry their date range; they are found by
reading the directory listing rather than hard-coding names that change.
The same listings publish each file's size, which a download must match
before it is trusted (an error page served in place of a kernel does not).
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
    label: str = ""  # how the file names look, for people (the pattern is for the program)


@dataclass(frozen=True)
class KernelSetSpec:
    name: str
    description: str
    base_url: str
    files: tuple[RemoteFile, ...]
    listings: tuple[Listing, ...] = field(default_factory=tuple)
    kind: str = "kernels"  # or "maps"
    # Base URLs the set's publisher names as mirrors: the only other hosts a download may be redirected to.
    mirrors: tuple[str, ...] = ()


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
                "JUNO/kernels/spk/",
                JUNO_SPK_PATTERN,
                "Juno trajectory",
                "reconstructed",
                fallback="juno_rec_orbit.bsp",
                label="spk_rec_<from>_<to>_<made>.bsp (dates as YYMMDD)",
            ),
        ),
    ),
    "maps": KernelSetSpec(
        name="maps",
        description="Public-domain global maps the scene uses instead of its procedural ones",
        base_url="https://",  # each path starts with its own host
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


_SIZE = re.compile(r"^(\d+(?:\.\d+)?)([KMGT]?)$", re.IGNORECASE)
_SIZE_IN_ROW = re.compile(r"(?<![\w:.\-/])(\d+(?:\.\d+)?)\s*([KMGT](?:i?B)?|B|bytes)?(?![\w:.\-/])", re.IGNORECASE)
_ROW = re.compile(r'href="([^"?/][^"?]*)"[^>]*>.*?</a>(.*?)(?=<a\s|</tr>|\n|$)', re.IGNORECASE | re.DOTALL)


def parse_listing_sizes(html: str) -> dict[str, str]:
    """The size an index page shows beside each file it links, as "5257" (bytes) or "5.1K".

    The size is the first size-like word after the link: dates ("2016-07-25", "25-Jul-2016") and
    times ("16:02") never look like one, and a description column, if any, comes after the size.
    "5.1K", "5.1 KB", "5.1KiB" and "5257 bytes" all read as sizes.
    """
    out: dict[str, str] = {}
    for m in _ROW.finditer(html):
        rest = re.sub(r"<[^>]*>", " ", m.group(2)).replace("&nbsp;", " ")
        size = _SIZE_IN_ROW.search(rest)
        if size and m.group(1) not in out:
            number, unit = size.groups()
            unit = (unit or "")[:1].upper()
            out[m.group(1)] = number + ("" if unit in ("", "B") else unit)
    return out


def size_matches(published: str, actual: int) -> bool:
    """Whether ``actual`` bytes fit the size a listing published, within the rounding it shows.

    "5.1K" is 5.0 to 5.2 thousand bytes, in binary (Apache) or decimal units; a plain number is
    exact. A size that cannot be read says nothing, so it matches.
    """
    m = _SIZE.match(published.strip())
    if not m:
        return True
    number, unit = m.groups()
    if not unit:
        return int(number.split(".")[0]) == actual
    power = "KMGT".index(unit.upper()) + 1
    step = 10.0 ** -(len(number.split(".")[1]) if "." in number else 0)
    value = float(number)
    return any((value - step) * base**power <= actual <= (value + step) * base**power for base in (1000, 1024))


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
