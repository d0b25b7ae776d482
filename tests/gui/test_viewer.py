"""Scrubbing fractional time and zooming: renders come back for the time and region asked."""

import numpy as np
import pytest
from PySide6.QtCore import QRectF


def test_badges_before_training(loaded_window):
    viewer = loaded_window.viewer
    viewer.set_position(2.4)
    assert "nearest" in viewer.time_bar.badge.text()
    assert viewer.studio.frame_kind(2.0) == "source frame"


def test_slider_renders_fractional_time(trained_window, qtbot):
    viewer = trained_window.viewer
    viewer.resize(480, 320)
    with qtbot.waitSignal(viewer.frame_shown, timeout=10000,
                          check_params_cb=lambda r: r.job.tag == "frame"
                          and abs(r.job.frame - 3.25) < 1e-9) as blocker:
        viewer.set_position(3.25)
    rendered = blocker.args[0]
    assert rendered.image.shape == (64, 96, 3)
    assert viewer.model_image is rendered.image
    assert viewer.time_bar.badge.text() == "in between"
    viewer.set_position(3.0)
    assert viewer.time_bar.badge.text() == "training frame"


def test_keys_step_time(trained_window, qtbot):
    viewer = trained_window.viewer
    viewer.set_position(2.0)
    viewer.time_bar.step(1.0)
    assert viewer.position() == pytest.approx(3.0)
    viewer.time_bar.step(-0.1)
    assert viewer.position() == pytest.approx(2.9)


def test_zoom_rerenders_region_at_screen_size(trained_window, qtbot):
    window = trained_window
    window.show()
    viewer = window.viewer
    qtbot.waitExposed(window)
    viewer.view.main_box.setRange(QRectF(20, 10, 24, 16), padding=0)
    with qtbot.waitSignal(viewer.detail_shown, timeout=10000) as blocker:
        viewer._request_detail_now()
    rendered = blocker.args[0]
    region, size = rendered.job.region, rendered.job.size
    assert region[2] < 96 and region[3] < 64
    assert rendered.image.shape == (size[1], size[0], 3)
    assert size[0] > region[2] * 1.5  # sampled finer than the source pixels
    assert viewer.view.detail.isVisible()
    assert viewer.compare.zoom_label.text().startswith("x")
    assert float(viewer.compare.zoom_label.text()[1:]) > 1.5


def test_compare_modes_and_patch_overlay(trained_window, qtbot):
    viewer = trained_window.viewer
    with qtbot.waitSignal(viewer.frame_shown, timeout=10000,
                          check_params_cb=lambda r: r.job.tag == "frame"):
        viewer.set_position(1.0)
    for index in range(viewer.compare.mode.count()):
        viewer.compare.mode.setCurrentIndex(index)
        viewer.refresh()
        assert viewer.view.base.image is not None
    viewer.compare.mode.setCurrentText("Error")
    viewer.refresh()
    assert viewer.view.base.image.shape == (64, 96, 3)
    viewer.compare.patches.setChecked(True)
    viewer.compare.mode.setCurrentText("Model")
    viewer.refresh()
    assert viewer.view.overlay.isVisible()
    visible = [t for t in viewer.view.patch_labels if t.isVisible()]
    assert len(visible) == 4 * 6  # 64x96 in 16-pixel patches


def test_patch_psnr_matches_definition():
    from actinr_studio.gui.viewer import patch_psnr

    a = np.zeros((20, 20, 3), np.uint8)
    b = a.copy()
    b[:10, :10] = 10
    values = patch_psnr(b, a, 10)
    assert values.shape == (2, 2)
    assert values[0, 0] == pytest.approx(10 * np.log10(255**2 / 100), rel=1e-4)
    assert values[1, 1] > 100
