"""GLSL snippets, one per file; a package so ``importlib.resources`` finds them."""
