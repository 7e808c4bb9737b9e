"""Data files shipped with Perijove (embedded kernels, maps, icons).

This is a package only so that ``importlib.resources`` finds it the same way
in a wheel install and in an editable install.
"""
