"""Video I/O for actinr_studio: decoding clips into memory and exporting frames.

This package owns everything that touches video files: probing and reading video files,
frame folders and images (:func:`probe_clip`, :func:`read_clip`), the in-memory
:class:`VideoClip`, streaming atomic export (:func:`write_clip`) and deterministic synthetic
clips for tests (:func:`moving_disc`, :func:`gradient_clip`). It uses PyAV (FFmpeg) and numpy
only, and must never import Qt (PySide6, pyqtgraph, superqt): the CLI, training and the
benchmark use it headless.
"""

from __future__ import annotations

from actinr_studio.video.clip import VideoClip
from actinr_studio.video.images import write_image
from actinr_studio.video.reader import ClipInfo, probe_clip, read_clip
from actinr_studio.video.synthetic import gradient_clip, moving_disc
from actinr_studio.video.writer import ExportCancelled, write_clip

__all__ = [
    "ClipInfo",
    "ExportCancelled",
    "VideoClip",
    "gradient_clip",
    "moving_disc",
    "probe_clip",
    "read_clip",
    "write_clip",
    "write_image",
]
