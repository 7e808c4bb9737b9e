"""Where the real NAIF kernels and maps beside the checkout are (``../shared/data/real``).

``PERIJOVE_TEST_REAL=/some/folder`` points the tests at another copy; ``PERIJOVE_TEST_NO_REAL=1`` makes them
behave as in a clone with nothing beside it (every real-data test skips), which is how CI checks that the
suite stands alone without moving the shared folder other checkouts use.
"""

import os
from pathlib import Path

_DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
if os.environ.get("PERIJOVE_TEST_NO_REAL", "") not in ("", "0"):
    REAL = Path("/nonexistent/perijove-tests-without-real-data")
else:
    REAL = Path(os.environ.get("PERIJOVE_TEST_REAL") or _DEFAULT)
HAVE_REAL = REAL.is_dir()
LSK = REAL / "naif0012.tls"
PCK = REAL / "pck00011.tpc"
DE = REAL / "de440_2030.bsp"
JUNO_2022 = REAL / "spk_pre_220614_221109_220810_jm0450.bsp"
FK = REAL / "juno_v12.tf"
IO_MAP = REAL / "textures" / "Io_GalileoSSI-Voyager_Global_Mosaic_ClrMerge_2km_180W.jpg"
