"""Where the real NAIF kernels and maps beside the checkout are (``../shared/data/real``)."""

from pathlib import Path

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
LSK = REAL / "naif0012.tls"
PCK = REAL / "pck00011.tpc"
DE = REAL / "de440_2030.bsp"
JUNO_2022 = REAL / "spk_pre_220614_221109_220810_jm0450.bsp"
FK = REAL / "juno_v12.tf"
IO_MAP = REAL / "textures" / "Io_GalileoSSI-Voyager_Global_Mosaic_ClrMerge_2km_180W.jpg"
