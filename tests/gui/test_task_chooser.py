"""The training panel's task chooser: task strings for every choice, invalid combinations, and
the preview of what the model sees (thumbnail + training / held-out markers)."""

import time

import numpy as np
import pytest
from PySide6.QtGui import QImage

from actinr_studio.errors import UserError
from actinr_studio.gui import train_panel as tp
from actinr_studio.gui.train_panel import TrainingPanel
from actinr_studio.tasks import parse_task
from actinr_studio.video import moving_disc


@pytest.fixture
def panel(qtbot):
    widget = TrainingPanel()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture(scope="module")
def disc():
    return moving_disc(num_frames=8, height=64, width=96, radius=10, speed=4.0).frames


@pytest.fixture
def mask_png(tmp_path):
    holes = np.zeros((64, 96, 3), np.uint8)
    holes[10:30, 20:50] = 255
    path = tmp_path / "mask.png"
    image = QImage(holes.data, 96, 64, 96 * 3, QImage.Format.Format_RGB888)
    assert image.save(str(path))
    return str(path)


def _choose(panel, index, **params):
    panel.task.setCurrentIndex(index)
    for name, value in params.items():
        widget = getattr(panel, name)
        if name == "sigma":
            widget.setCurrentText(value)
        elif hasattr(widget, "setChecked"):
            widget.setChecked(value)
        else:
            widget.setValue(value)


@pytest.mark.parametrize("index, params, expected", [
    (tp.REPRESENT, {}, "represent"),
    (tp.INTERP, {"factor": 2}, "interp-2"),
    (tp.INTERP, {"factor": 4}, "interp-4"),
    (tp.SUPER_RES, {"sr_factor": 2}, "sr-2"),
    (tp.SUPER_RES, {"sr_factor": 8}, "sr-8"),
    (tp.DENOISE, {}, "denoise"),
    (tp.DENOISE, {"tau": 10.0, "sigma": "5"}, "denoise:tau=10,sigma=5"),
    (tp.DENOISE, {"tau": 30.0, "sigma": "5"}, "denoise:sigma=5"),
    (tp.DENOISE, {"tau": 10.0, "already_noisy": True}, "denoise:noisy"),
    (tp.INPAINT, {"five_boxes": True}, "inpaint"),
])
def test_every_choice_gives_its_task_string(panel, index, params, expected):
    _choose(panel, index, **params)
    run = panel.run_config()
    assert run.task == expected
    assert parse_task(run.task).name == expected
    assert panel.description.text() == tp.DESCRIPTIONS[index]
    assert panel.task_params.currentIndex() == index


def test_inpaint_mask_file(panel, mask_png):
    _choose(panel, tp.INPAINT, mask_file=True)
    with pytest.raises(UserError, match="choose a mask file") as info:
        panel.run_config()
    assert "\n" not in str(info.value)
    errors = []
    panel.error_raised.connect(errors.append)
    panel._on_start_clicked()
    assert len(errors) == 1
    panel.set_mask_path(mask_png)
    task = panel.run_config().task
    assert task == f"inpaint:mask={mask_png}"
    assert parse_task(task).mask_path == mask_png
    panel.set_mask_path(mask_png + ".missing")
    with pytest.raises(UserError, match="not found"):
        panel.run_config()
    panel.five_boxes.setChecked(True)
    assert panel.run_config().task == "inpaint"


@pytest.mark.parametrize("task", ["represent", "interp-3", "sr-4", "denoise",
                                  "denoise:tau=10,sigma=5", "denoise:noisy", "inpaint",
                                  "denoise:seed=3"])
def test_set_configs_shows_the_task(panel, task):
    panel.set_configs(panel.base_model, panel.base_train, task)
    assert panel.run_config().task == task


def test_preview_markers_for_slow_motion(panel, qtbot, disc):
    _choose(panel, tp.INTERP, factor=2)
    panel.set_preview_clip(disc)
    qtbot.waitUntil(lambda: panel.markers.train_frames != [], timeout=3000)
    assert panel.markers.train_frames == [True, False] * 4
    assert not panel.thumbnail.pixmap().isNull()
    assert (panel.thumbnail.pixmap().width(), panel.thumbnail.pixmap().height()) == (96, 64)
    assert "4 trained, 4 held out" in panel.preview_caption.text()

    _choose(panel, tp.REPRESENT)
    qtbot.waitUntil(lambda: panel.markers.train_frames == [True] * 8, timeout=3000)


def test_preview_shows_what_the_model_sees(panel, disc):
    panel.set_preview_clip(disc)
    _choose(panel, tp.SUPER_RES, sr_factor=4)
    panel.refresh_preview()
    sup = panel.preview_supervision
    assert sup.pool == 4 and sup.frames.shape[1:3] == (16, 24)
    seen = tp.seen_frame(sup)
    assert seen.shape == (64, 96, 3)
    assert (seen[:4, :4] == seen[0, 0]).all()          # nearest: 4x4 blocks
    assert panel.markers.train_frames == [True, False] * 4
    assert (panel.thumbnail.pixmap().width(), panel.thumbnail.pixmap().height()) == (96, 64)

    _choose(panel, tp.DENOISE, tau=10.0, sigma="5")
    panel.refresh_preview()
    assert not np.array_equal(panel.preview_supervision.frames, disc)
    assert "noisy input" in panel.preview_caption.text()

    _choose(panel, tp.INPAINT, five_boxes=True)
    panel.refresh_preview()
    assert panel.preview_supervision.pixel_mask is not None
    assert "holes" in panel.preview_caption.text()

    _choose(panel, tp.INPAINT, mask_file=True)
    panel.refresh_preview()
    assert panel.preview_supervision is None
    assert "choose a mask file" in panel.preview_caption.text()
    assert panel.markers.train_frames == []

    panel.set_preview_clip(None)
    panel.refresh_preview()
    assert panel.thumbnail.pixmap().isNull()


def test_preview_is_cheap_on_a_large_clip(panel):
    frames = np.random.default_rng(0).integers(0, 256, (40, 480, 854, 3), np.uint8)
    panel.set_preview_clip(frames)
    for index in range(len(tp.TASKS)):
        panel.task.setCurrentIndex(index)
        started = time.perf_counter()
        panel.refresh_preview()
        elapsed = time.perf_counter() - started
        assert panel.preview_supervision is not None
        assert len(panel.markers.train_frames) == tp.PREVIEW_FRAMES
        pixmap = panel.thumbnail.pixmap()
        assert max(pixmap.width(), pixmap.height()) <= tp.PREVIEW_SIDE
        assert elapsed < 0.3, (tp.TASKS[index], elapsed)
