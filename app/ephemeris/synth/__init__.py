"""The embedded default kernel set: how it is made, from physics and published facts.

No official Juno or Io kernels may ship with Perijove, so this package writes
a stand-in set as real SPICE kernels: planets and moons from astronomy-engine
(VSOP87, L1.2), and a Juno trajectory integrated about Jupiter and targeted to
the published facts of the two Io flybys. Every file it makes says it is
synthetic; the one file it copies from JPL (a DE440 excerpt of the planets,
2020-2027, see ``de440``) says it is DE440 and classifies as ``planetary``.
"""
