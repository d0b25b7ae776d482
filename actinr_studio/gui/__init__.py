"""The desktop studio: the only package that imports Qt (PySide6), pyqtgraph and superqt.

It depends on the core (``model``, ``video``, ``train``, ``tasks``, ``checkpoint``, ``export``);
the core never imports it. Long jobs (training, rendering, exporting) run in superqt worker
threads; only plain data (numbers, numpy arrays, frozen dataclasses) crosses threads.

``run_gui(path)`` opens the main window (the CLI imports this package lazily).
"""

from __future__ import annotations


def run_gui(path: str | None = None) -> int:
    """Open the studio (optionally with a clip or model file) and run until it is closed."""
    from actinr_studio.gui.app import run_gui as _run

    return _run(path)


__all__ = ["run_gui"]
