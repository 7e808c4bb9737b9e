"""Physical constants the synthetic set is written from (IAU WGCCRE 2015, Juno gravity).

Angles in degrees, T in Julian centuries and d in days past J2000 TDB, the
same convention as a NAIF text PCK, so the values are written as they stand.
"""

from __future__ import annotations

# Nutation/precession angles of the Jupiter system: (constant, rate per century), J1..J8.
JUPITER_NUT_PREC = (
    (73.32, 91472.9),
    (24.62, 45137.2),
    (283.90, 4850.7),
    (355.80, 1191.3),
    (119.90, 262.1),
    (229.80, 64.3),
    (352.25, 2382.6),
    (113.35, 6070.0),
)

# Per body: radii (km); pole RA, pole Dec, prime meridian polynomials; the
# amplitudes of sin(Jn) (RA, PM) and cos(Jn) (Dec) terms for n = 1..8.
BODIES: dict[int, dict[str, tuple[float, ...]]] = {
    10: {
        "RADII": (695700.0, 695700.0, 695700.0),
        "POLE_RA": (286.13, 0.0, 0.0),
        "POLE_DEC": (63.87, 0.0, 0.0),
        "PM": (84.176, 14.1844000, 0.0),
    },
    599: {
        "RADII": (71492.0, 71492.0, 66854.0),
        "POLE_RA": (268.056595, -0.006499, 0.0),
        "POLE_DEC": (64.495303, 0.002413, 0.0),
        "PM": (284.95, 870.536, 0.0),
    },
    501: {
        "RADII": (1829.4, 1819.4, 1815.7),
        "POLE_RA": (268.05, -0.009, 0.0),
        "POLE_DEC": (64.50, 0.003, 0.0),
        "PM": (200.39, 203.4889538, 0.0),
        "NUT_PREC_RA": (0.0, 0.0, 0.094, 0.024, 0.0, 0.0, 0.0, 0.0),
        "NUT_PREC_DEC": (0.0, 0.0, 0.040, 0.011, 0.0, 0.0, 0.0, 0.0),
        "NUT_PREC_PM": (0.0, 0.0, -0.085, -0.022, 0.0, 0.0, 0.0, 0.0),
    },
    502: {
        "RADII": (1562.6, 1560.3, 1559.5),
        "POLE_RA": (268.08, -0.009, 0.0),
        "POLE_DEC": (64.51, 0.003, 0.0),
        "PM": (36.022, 101.3747235, 0.0),
        "NUT_PREC_RA": (0.0, 0.0, 0.0, 1.086, 0.060, 0.015, 0.009, 0.0),
        "NUT_PREC_DEC": (0.0, 0.0, 0.0, 0.468, 0.026, 0.007, 0.002, 0.0),
        "NUT_PREC_PM": (0.0, 0.0, 0.0, -0.980, -0.054, -0.014, -0.008, 0.0),
    },
    503: {
        "RADII": (2631.2, 2631.2, 2631.2),
        "POLE_RA": (268.20, -0.009, 0.0),
        "POLE_DEC": (64.57, 0.003, 0.0),
        "PM": (44.064, 50.3176081, 0.0),
        "NUT_PREC_RA": (0.0, 0.0, 0.0, -0.037, 0.431, 0.091, 0.0, 0.0),
        "NUT_PREC_DEC": (0.0, 0.0, 0.0, -0.016, 0.186, 0.039, 0.0, 0.0),
        "NUT_PREC_PM": (0.0, 0.0, 0.0, 0.033, -0.389, -0.082, 0.0, 0.0),
    },
    504: {
        "RADII": (2410.3, 2410.3, 2410.3),
        "POLE_RA": (268.72, -0.009, 0.0),
        "POLE_DEC": (64.83, 0.003, 0.0),
        "PM": (259.51, 21.5710715, 0.0),
        "NUT_PREC_RA": (0.0, 0.0, 0.0, 0.0, -0.068, 0.590, 0.0, 0.010),
        "NUT_PREC_DEC": (0.0, 0.0, 0.0, 0.0, -0.029, 0.254, 0.0, -0.004),
        "NUT_PREC_PM": (0.0, 0.0, 0.0, 0.0, 0.061, -0.533, 0.0, -0.009),
    },
}

# GM, km^3/s^2 (DE440 values; Jupiter from Juno gravity science).
GM = {
    10: 132712440041.279419,
    5: 126712764.100000,
    599: 126686531.900000,
    501: 5959.915466,
    502: 3202.712099,
    503: 9887.832752,
    504: 7179.283403,
    399: 398600.435507,
}

# Jupiter's zonal harmonics (Juno gravity science), reference radius 71492 km.
JUPITER_J2 = 0.0146956
JUPITER_J4 = -5.87e-4
JUPITER_REF_RADIUS = 71492.0

NAMES = {
    10: "SUN",
    399: "EARTH",
    5: "JUPITER BARYCENTER",
    599: "JUPITER",
    501: "IO",
    502: "EUROPA",
    503: "GANYMEDE",
    504: "CALLISTO",
    -61: "JUNO",
}
