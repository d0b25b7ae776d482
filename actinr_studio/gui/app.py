"""Starting the studio: the QApplication, the main window, an optional file to open."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication


def ensure_app() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setOrganizationName("actinr")
        app.setApplicationName("actinr-studio")
    return app


def run_gui(path: str | None = None) -> int:
    """Open the main window (and ``path``, a clip or a model, if given); returns the exit code."""
    import pyqtgraph as pg

    from actinr_studio.gui.main_window import MainWindow

    app = ensure_app()
    pg.setConfigOptions(antialias=True)
    window = MainWindow()
    window.show()
    if path:
        window.open_path(path)
    return int(app.exec())
