"""Perijove: Juno's flybys of Jupiter and Io, positioned by SPICE.

The package is split into layers (see ``DESIGN.md`` in the shared docs):
``ephemeris`` answers geometric questions from SPICE, and nothing in it
knows about windows or GPUs, so it can be tested and scripted headless.
"""

__version__ = "0.1.0"
