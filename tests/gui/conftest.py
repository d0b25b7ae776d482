"""GUI test fixtures: offscreen Qt, settings in a temporary folder, a tiny synthetic clip, and a
window factory that stops every worker at teardown."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("ACTINR_STUDIO_NO_DIALOGS", "1")

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from actinr_studio.config import RunConfig  # noqa: E402
from actinr_studio.model import ModelConfig  # noqa: E402
from actinr_studio.train import TrainConfig  # noqa: E402
from actinr_studio.video import moving_disc, write_clip  # noqa: E402


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture(scope="session")
def clip_path(tmp_path_factory):
    """8 frames of 64x96 (H x W) written as an mp4."""
    clip = moving_disc(num_frames=8, height=64, width=96, radius=10, speed=4.0)
    path = tmp_path_factory.mktemp("clips") / "disc.mp4"
    write_clip(path, clip.frames, clip.fps, codec="h264", quality=10)
    return path


def _tiny_run(steps: int = 200, **train) -> RunConfig:
    config = dict(steps=steps, report_every=5, preview_every=0.2, preview_max_side=96,
                  eval_every=50, eval_max_frames=2, batch_pixels=1024, late_from=1.0,
                  device="cpu", threads=1)
    config.update(train)
    return RunConfig(model=ModelConfig(patch_size=16, hidden=8, gop=4, rff_features=8),
                     train=TrainConfig(**config), task="represent")


@pytest.fixture
def make_window(qtbot, settings):
    from actinr_studio.gui.main_window import MainWindow

    windows = []

    def factory(show: bool = False):
        window = MainWindow(settings=settings, ask_on_open=False)
        qtbot.addWidget(window)
        if show:
            window.show()
        windows.append(window)
        return window

    yield factory
    for window in windows:
        window.studio.shutdown(timeout_s=5.0)


@pytest.fixture
def loaded_window(make_window, qtbot, clip_path):
    window = make_window()
    with qtbot.waitSignal(window.studio.document_changed, timeout=10000):
        window.load_clip(str(clip_path))
    return window


@pytest.fixture
def tiny_run():
    """A factory of tiny training runs (patch 16, hidden 8) that finish in seconds."""
    return _tiny_run


@pytest.fixture
def trained_window(loaded_window, qtbot, tiny_run):
    """A window whose clip has a tiny trained model (30 steps)."""
    studio = loaded_window.studio
    with qtbot.waitSignal(studio.training_finished, timeout=30000):
        studio.start_training(tiny_run(steps=30))
    return loaded_window
