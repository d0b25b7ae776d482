"""The main window: menus, docks (training, plots), the viewer, the start screen, the status
bar (device, step rate, memory), recent files and window state in QSettings, drag-and-drop."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import create_worker

import actinr_studio
from actinr_studio.errors import UserError
from actinr_studio.gui.bias_dock import BiasInspectorPanel
from actinr_studio.gui.export_dialog import ExportDialog
from actinr_studio.gui.mask_tools import MaskToolsPanel
from actinr_studio.gui.open_dialog import OpenClipDialog
from actinr_studio.gui.plots import PlotsPanel
from actinr_studio.gui.studio import Studio, is_model_path
from actinr_studio.gui.train_panel import TrainingPanel
from actinr_studio.gui.viewer import ViewerPanel
from actinr_studio.runtime import describe_device, resolve_device
from actinr_studio.video import read_clip

ORGANIZATION, APPLICATION = "actinr", "actinr-studio"
MAX_RECENT = 10
CLIP_FILTER = "Clips (*.mp4 *.mov *.m4v *.mkv *.avi *.webm *.gif *.png *.jpg *.jpeg);;All (*)"
MODEL_FILTER = "Models (*.pt *.actinr);;All (*)"
SHORTCUTS = """<table>
<tr><td>Left / Right</td><td>previous / next frame</td></tr>
<tr><td>Shift+Left / Shift+Right</td><td>a tenth of a frame</td></tr>
<tr><td>Mouse wheel, drag</td><td>zoom, pan (the network re-renders the view)</td></tr>
<tr><td>Right-drag</td><td>rubber-band zoom</td></tr>
<tr><td>Ctrl+O / Ctrl+Shift+O</td><td>open clip / open model</td></tr>
<tr><td>Ctrl+S / Ctrl+E</td><td>save model / export</td></tr>
<tr><td>[ / ]</td><td>smaller / larger mask brush</td></tr>
<tr><td>Ctrl+Z / Ctrl+Shift+Z</td><td>undo / redo a mask edit</td></tr>
<tr><td>Click / Ctrl+click (inspector open)</td><td>choose / add a patch</td></tr>
</table>"""


def sample_clip_path() -> Path | None:
    folder = Path(actinr_studio.__file__).resolve().parent.parent / "resources"
    clips = sorted(folder.glob("*.mp4")) if folder.is_dir() else []
    return clips[0] if clips else None


def make_settings() -> QSettings:
    return QSettings(ORGANIZATION, APPLICATION)


def resident_memory_bytes() -> int:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class StartScreen(QWidget):
    def __init__(self, window: MainWindow):
        super().__init__()
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        title = QLabel("<h1>actinr studio</h1><p>Continuous video: train a network on a clip, "
                       "then scrub any real time, zoom any region, export slow motion.</p>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        self.sample_button = QPushButton("Open the sample clip")
        sample = sample_clip_path()
        self.sample_button.setEnabled(sample is not None)
        if sample is None:
            self.sample_button.setToolTip("no sample clip is installed (resources/*.mp4)")
        self.sample_button.clicked.connect(lambda: window.open_path(str(sample_clip_path())))
        open_button = QPushButton("Open a clip...")
        open_button.clicked.connect(window.choose_clip)
        model_button = QPushButton("Open a model...")
        model_button.clicked.connect(window.choose_model)
        hint = QLabel("or drop a clip or a model file (.pt / .actinr) here")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for widget in (self.sample_button, open_button, model_button):
            widget.setMinimumWidth(260)
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(hint)
        layout.addStretch(2)


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, ask_on_open: bool = True):
        super().__init__()
        self.setWindowTitle("actinr studio")
        self.setAcceptDrops(True)
        self.settings = settings or make_settings()
        self.ask_on_open = ask_on_open
        self.studio = Studio(self)
        self.viewer = ViewerPanel(self.studio)
        self.start_screen = StartScreen(self)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.start_screen)
        self.pages.addWidget(self.viewer)
        self.setCentralWidget(self.pages)
        self.training_panel = TrainingPanel()
        self.plots = PlotsPanel(self.studio)
        self.training_dock = self._dock("Training", self.training_panel,
                                        Qt.DockWidgetArea.LeftDockWidgetArea)
        self.plots_dock = self._dock("Curves", self.plots, Qt.DockWidgetArea.RightDockWidgetArea)
        self.mask_panel = MaskToolsPanel(self.studio, self.viewer)
        self.mask_dock = self._dock("Mask", self.mask_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.tabifyDockWidget(self.training_dock, self.mask_dock)
        self.training_dock.raise_()
        self.bias_panel = BiasInspectorPanel(self.studio, self.viewer)
        self.bias_dock = self._dock("Bias trajectories", self.bias_panel,
                                    Qt.DockWidgetArea.BottomDockWidgetArea)
        self.bias_dock.hide()
        self.bias_dock.visibilityChanged.connect(self.bias_panel.set_active)
        self.export_dialog: ExportDialog | None = None
        self._loader = None
        self._paused = False
        self._build_menus()
        self._build_status_bar()
        self._connect()
        self.resize(1280, 800)
        self._restore_state()
        self._update_actions()

    # ------------------------------------------------------------------ building
    def _dock(self, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_action = self._action(file_menu, "&Open Clip...", self.choose_clip,
                                        QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.open_model_action = self._action(file_menu, "Open &Model...", self.choose_model,
                                              "Ctrl+Shift+O")
        self.save_action = self._action(file_menu, "&Save Model...", self.choose_save,
                                        QKeySequence.StandardKey.Save)
        file_menu.addSeparator()
        self.export_action = self._action(file_menu, "&Export Video...", self.show_export,
                                          "Ctrl+E")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        view_menu = bar.addMenu("&View")
        view_menu.addAction(self.training_dock.toggleViewAction())
        view_menu.addAction(self.plots_dock.toggleViewAction())
        view_menu.addAction(self.mask_dock.toggleViewAction())
        inspector = self.bias_dock.toggleViewAction()
        inspector.setShortcut(QKeySequence("Ctrl+B"))
        view_menu.addAction(inspector)
        self._action(view_menu, "Reset &Zoom", lambda: self.viewer.view.reset_zoom(), "Ctrl+0")
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard Shortcuts", self._on_shortcuts_triggered, "F1")
        self._action(help_menu, "&About", self._on_about_triggered)
        self._refresh_recent_menu()

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        try:
            device = describe_device(resolve_device("auto"))
        except UserError:
            device = "cpu"
        self.device_label = QLabel(f"device: {device}")
        self.rate_label = QLabel("")
        self.memory_label = QLabel("")
        for label in (self.rate_label, self.device_label, self.memory_label):
            status.addPermanentWidget(label)
        self._memory_timer = QTimer(self)
        self._memory_timer.timeout.connect(self._on_memory_timer)
        self._memory_timer.start(1000)
        self._on_memory_timer()

    def _connect(self) -> None:
        panel, studio = self.training_panel, self.studio
        panel.start_requested.connect(self._on_start_requested)
        panel.pause_requested.connect(studio.pause_training)
        panel.resume_requested.connect(studio.resume_training)
        panel.stop_requested.connect(studio.stop_training)
        panel.more_requested.connect(self._on_more_requested)
        panel.error_raised.connect(self.show_error)
        studio.document_changed.connect(self._on_document_changed)
        studio.model_changed.connect(self._update_actions)
        studio.training_started.connect(self._on_training_started)
        studio.training_paused.connect(self._on_training_paused)
        studio.training_finished.connect(self._on_training_finished)
        studio.step_reported.connect(self._on_step_reported)
        studio.notice_posted.connect(lambda text: self.statusBar().showMessage(text, 5000))
        studio.error_raised.connect(self.show_error)

    # ------------------------------------------------------------------ opening
    def choose_clip(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open clip", self._last_folder(), CLIP_FILTER)
        if path:
            self.open_path(path)

    def choose_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open model", self._last_folder(),
                                              MODEL_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> None:
        """Open a clip (through the open dialog) or a model file; errors go to a message box."""
        try:
            if is_model_path(path):
                self.studio.open_model(path)
                self._remember(path)
                self.statusBar().showMessage(f"opened model {path}", 5000)
                return
            if not self.ask_on_open:
                self.load_clip(path)
                return
            dialog = OpenClipDialog(path, self)
            if dialog.exec() == OpenClipDialog.DialogCode.Accepted:
                start, count, scale = dialog.choice()
                self.load_clip(path, start, count, scale)
        except UserError as exc:
            self.show_error(str(exc))

    def load_clip(self, path: str, start: int = 0, count: int | None = None,
                  scale: float = 1.0) -> None:
        """Decode the clip in a worker thread; the studio gets it when it is ready."""
        self.studio._require_idle("open a clip")
        self.statusBar().showMessage(f"reading {path}...")
        worker = create_worker(read_clip, path, start, count, scale,
                               _start_thread=False, _ignore_errors=True)
        worker.returned.connect(lambda clip: self._on_clip_read(path, clip))
        worker.errored.connect(lambda exc: self.show_error(str(exc)))
        worker.finished.connect(self._on_loader_finished)
        self._loader = worker
        worker.start()

    def _on_clip_read(self, path: str, clip) -> None:
        try:
            self.studio.set_clip(clip)
        except UserError as exc:
            self.show_error(str(exc))
            return
        self._remember(path)
        self.statusBar().showMessage(f"opened {path}: {clip!r}", 5000)

    def _on_loader_finished(self) -> None:
        self._loader = None

    def _on_document_changed(self) -> None:
        studio = self.studio
        facts = studio.facts
        self.pages.setCurrentWidget(self.viewer)
        if studio.clip is not None and studio.model is None:
            self.training_panel.set_clip_defaults(facts.width, facts.height, facts.num_frames)
        elif studio.model is not None:
            run = studio.run_config
            self.training_panel.set_configs(run.model, run.train, run.task)
        self.training_panel.set_preview_clip(
            studio.clip.frames if studio.clip is not None else None
        )
        name = Path(facts.source).name if facts.source else "untitled"
        self.setWindowTitle(f"{name} ({facts.width}x{facts.height}, {facts.num_frames} frames) "
                            "- actinr studio")
        self._update_actions()

    # ------------------------------------------------------------------ saving / export
    def choose_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save model", self._last_folder(),
                                              MODEL_FILTER)
        if path:
            if not is_model_path(path):
                path += ".pt"
            self.save_model(path)

    def save_model(self, path: str) -> None:
        try:
            written = self.studio.save_model(path)
        except UserError as exc:
            self.show_error(str(exc))
            return
        self._remember(str(written))
        self.statusBar().showMessage(f"saved {written}", 5000)

    def show_export(self) -> ExportDialog | None:
        studio = self.studio
        if studio.model is None or studio.facts is None:
            self.show_error("there is no model to export yet: train or open one")
            return None
        if studio.is_training:
            self.show_error("stop the training before you export")
            return None
        if self.export_dialog is not None and self.export_dialog.is_exporting:
            self.export_dialog.show()
            return self.export_dialog
        default = str(Path(self._last_folder()) / "actinr_export.mp4")
        self.export_dialog = ExportDialog(studio.model, studio.facts, studio.model_lock,
                                          default, self)
        self.export_dialog.export_finished.connect(
            lambda p: self.statusBar().showMessage(f"exported {p}", 8000))
        self.export_dialog.show()
        return self.export_dialog

    # ------------------------------------------------------------------ training
    def _on_start_requested(self, run) -> None:
        try:
            self.studio.start_training(run)
        except UserError as exc:
            self.show_error(str(exc))
            return
        # The studio may fit the GOP to the training frames (slow motion): the status-bar notice
        # is soon replaced by the training's own messages, so the panel shows the GOP in use.
        self.training_panel.gop.setValue(self.studio.run_config.model.gop)

    def _on_more_requested(self, steps: int) -> None:
        try:
            self.studio.train_more(steps)
        except UserError as exc:
            self.show_error(str(exc))

    def _on_training_started(self) -> None:
        self._paused = False
        self._update_actions()

    def _on_training_paused(self, paused: bool) -> None:
        self._paused = paused
        self._update_actions()

    def _on_training_finished(self, reason: str) -> None:
        self._paused = False
        self.statusBar().showMessage(f"training ended ({reason}) at step {self.studio.step}", 8000)
        self.rate_label.setText("")
        self._update_actions()

    def _on_step_reported(self, report) -> None:
        rate = self.plots.step_rate()
        self.rate_label.setText(f"{rate:.1f} steps/s, {report.pixels_per_second / 1e6:.2f} Mpx/s")
        self.device_label.setText(f"device: {report.device}")

    def _update_actions(self, *_args) -> None:
        studio = self.studio
        training = studio.is_training
        self.training_panel.set_state(has_clip=studio.clip is not None,
                                      has_model=studio.model is not None, training=training,
                                      paused=self._paused)
        self.save_action.setEnabled(studio.model is not None and not training)
        self.export_action.setEnabled(studio.model is not None and not training)
        for action in (self.open_action, self.open_model_action):
            action.setEnabled(not training)
        self.recent_menu.setEnabled(not training)

    # ------------------------------------------------------------------ misc
    def show_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)
        if self.isVisible() and not os.environ.get("ACTINR_STUDIO_NO_DIALOGS"):
            QMessageBox.warning(self, "actinr studio", message)

    def _on_memory_timer(self) -> None:
        self.memory_label.setText(f"RSS {resident_memory_bytes() / (1 << 20):,.0f} MiB")

    def _on_shortcuts_triggered(self) -> None:
        QMessageBox.information(self, "Keyboard shortcuts", SHORTCUTS)

    def _on_about_triggered(self) -> None:
        QMessageBox.about(self, "About actinr studio",
                          f"<b>actinr studio {actinr_studio.__version__}</b><p>Continuous video "
                          "with ActINR: a network that renders any frame at any real time and "
                          "any region at any resolution.</p>")

    # ------------------------------------------------------------------ settings
    def _remember(self, path: str) -> None:
        path = str(Path(path).resolve())
        recent = [p for p in self.recent_files() if p != path]
        self.settings.setValue("recentFiles", [path, *recent][:MAX_RECENT])
        self.settings.setValue("lastFolder", str(Path(path).parent))
        self._refresh_recent_menu()

    def recent_files(self) -> list[str]:
        value = self.settings.value("recentFiles", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _last_folder(self) -> str:
        return str(self.settings.value("lastFolder", str(Path.home())))

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        for path in recent:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        if not recent:
            self.recent_menu.addAction("(none)").setEnabled(False)

    def _restore_state(self) -> None:
        geometry = self.settings.value("geometry")
        state = self.settings.value("windowState")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.settings.sync()
        if self.export_dialog is not None and self.export_dialog.is_exporting:
            self.export_dialog.cancel_export()
        self.studio.shutdown(timeout_s=1.0)
        super().closeEvent(event)

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt override)
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            event.acceptProposedAction()
            self.open_path(urls[0])
