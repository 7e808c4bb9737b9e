"""The embedded default kernel set: how it is made, from physics and published facts.

No official Juno or Io kernels may ship with Perijove, so this package writes
a stand-in set as real SPICE kernels: planets and moons from astronomy-engine
(VSOP87, L1.2), and a Juno trajectory integrated about Jupiter and targeted to
the published facts of the two Io flybys. Every file it writes says it is
synthetic.
"""
