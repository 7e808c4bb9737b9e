"""PySide6 widgets: the main window, timeline, event list, HUD and dialogs.

Widgets change the model (``perijove.model``); the canvas redraws from it.
"""
