"""VisPy rendering of the scene: bodies, spacecraft, trajectory, stars.

Reads the model and the ephemeris, never Qt widgets; the same renderer draws
into an offscreen framebuffer (CLI, export, tests) or a window's canvas.
"""
