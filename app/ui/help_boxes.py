"""The Help menu's boxes: the keys (made from ``actions.ROWS``), where the data came from, and the credits."""

from __future__ import annotations

import html

from PySide6 import QtWidgets

from perijove import __version__
from perijove.ui.actions import shortcut_help_text


def show_shortcuts(window: QtWidgets.QWidget) -> QtWidgets.QMessageBox:
    box = QtWidgets.QMessageBox(window)
    box.setWindowTitle("Keyboard shortcuts")
    box.setText(f"<pre>{html.escape(shortcut_help_text())}</pre>")
    box.open()
    return box


def show_provenance(window: QtWidgets.QWidget, kernel_files, data_notes: list[str]) -> QtWidgets.QMessageBox:
    lines = [
        f"{f.path.name}: {f.kind}, {f.provenance}" + (" (embedded default)" if f.default else "") for f in kernel_files
    ]
    box = QtWidgets.QMessageBox(window)
    box.setWindowTitle("Data provenance")
    notes = "".join(f"\n\n⚠ {note}" for note in data_notes)
    box.setText(
        "The embedded Juno trajectory and moons are synthetic: a physical stand-in, not NASA navigation"
        " data. Its 2020-2027 Sun, Earth and Jupiter barycentre are JPL's DE440 (planetary).\n\n"
        + "\n".join(lines)
        + notes
    )
    box.open()
    return box


def show_about(window: QtWidgets.QWidget) -> None:
    QtWidgets.QMessageBox.about(
        window,
        "About Perijove",
        f"Perijove {__version__}\nJuno's flybys of Jupiter and Io, from SPICE.\n\n"
        "Maps: Io, USGS Astrogeology Galileo SSI/Voyager global mosaic (NASA/JPL/USGS); "
        "Jupiter, Cassini ISS map PIA07782 (NASA/JPL/Space Science Institute). Public domain.\n"
        "Stars: the Hipparcos catalogue, new reduction (ESA; van Leeuwen 2007).\n"
        "Planets 2020-2027: an excerpt of JPL's DE440 (Park et al. 2021). The embedded Juno trajectory and"
        " moons are synthetic (Help > Data provenance); official kernels: File > Get official kernels.\n"
        "Geometry: NAIF's SPICE toolkit through SpiceyPy.\n"
        "Text: DejaVu Sans and DejaVu Sans Mono (Bitstream Vera licence, shipped in assets/fonts).",
    )
