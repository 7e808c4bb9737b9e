"""Turning a time range into frames and files: PNG sequences, MP4, sidecar tables.

Export drives the scene with its own exact clock (frame i at a computed ET),
never wall-clock time, renders offscreen at the requested size, and writes
every file beside its destination first so that a cancel, a crash or a full
disk never leaves a partial file under the requested name, and replaces
nothing that was there without the user's consent.
"""

from perijove.export.plan import FramePlan
from perijove.export.runner import ExportCancelled, ExportResult, export
from perijove.export.sinks import DestinationExists, check_destination

__all__ = ["DestinationExists", "ExportCancelled", "ExportResult", "FramePlan", "check_destination", "export"]
