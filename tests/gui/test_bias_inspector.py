"""The bias trajectory inspector: picking patches, the trajectory arrays, the time cursor both
ways, components shown, motion scores, CSV export, and a model opened without its clip."""

import csv

import numpy as np
import pytest
from PySide6.QtCore import Qt


def open_inspector(window, qtbot):
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    window.bias_dock.show()
    qtbot.waitUntil(lambda: window.bias_panel.active, timeout=5000)
    return window.bias_panel


def test_pick_patches_and_trajectories(trained_window, qtbot):
    window = trained_window
    panel = open_inspector(window, qtbot)
    assert window.viewer.patch_grid.lines.isVisible()
    panel.pick_at(40.0, 20.0)  # 64 x 96 frame, patch 16: row 1, col 2
    assert panel.patches == [(1, 2)]
    panel.pick_at(5.0, 60.0, Qt.KeyboardModifier.ControlModifier)
    assert panel.patches == [(1, 2), (3, 0)]
    panel.pick_at(5.0, 60.0, Qt.KeyboardModifier.ControlModifier)  # Ctrl-click again: drop
    assert panel.patches == [(1, 2)]
    model = window.studio.model
    tr = panel.trajectories[0]
    hidden = model.config.hidden
    assert tr.values.shape == (7 * 20 + 1, hidden)  # 8 frames, 20 samples per frame, L1 u
    assert tr.frames[0] == 0 and tr.frames[-1] == 7
    np.testing.assert_array_equal(tr.gop_boundaries, [4.0])  # GOPs of 4 frames: 0-4, 4-7
    # continuous within a GOP: neighbouring samples differ by a small part of the range
    jumps = np.abs(np.diff(tr.values, axis=0)).max(1)
    same = tr.gop[1:] == tr.gop[:-1]
    assert jumps[same].max() < 0.25 * np.ptp(tr.values, axis=0).max()
    assert len(panel.shown) == min(8, hidden)
    assert sum(c.isVisible() for c in panel.curves) == len(panel.shown)
    panel.all_components.setChecked(True)
    assert len(panel.shown) == hidden
    panel.layer.setCurrentIndex(panel.layer.findData("l2_v"))
    panel.part.setCurrentText("Imaginary")
    assert panel.shown and all(".im[" in name for _p, name, *_ in panel.shown)
    assert len(panel.shown) == hidden
    assert panel.trajectories[0].values.shape == (141, 2 * hidden)


def test_cursor_follows_the_slider_both_ways(trained_window, qtbot):
    window = trained_window
    panel = open_inspector(window, qtbot)
    panel.pick_at(10.0, 10.0)
    window.viewer.set_position(3.25)
    assert panel.cursor.value() == pytest.approx(3.25)
    panel.cursor.setValue(5.5)
    assert window.viewer.position() == pytest.approx(5.5)
    assert panel.cursor.value() == pytest.approx(5.5)


def test_motion_scores_heat_map_and_csv(trained_window, qtbot, tmp_path):
    window = trained_window
    panel = open_inspector(window, qtbot)
    panel.pick_at(50.0, 30.0)
    panel.heat.setChecked(True)
    qtbot.waitUntil(lambda: panel.scores is not None, timeout=10000)
    assert panel.scores.shape == (4, 6)
    assert window.viewer.patch_grid.heat.isVisible()
    assert "motion" in panel.summary.text()
    path = panel.export_csv(str(tmp_path / "b.csv"))
    rows = list(csv.reader(open(path)))
    assert rows[0][7:] == panel.trajectories[0].names
    assert len(rows) == 1 + 141
    window.bias_dock.hide()
    qtbot.waitUntil(lambda: not panel.active, timeout=5000)
    assert not window.viewer.patch_grid.lines.isVisible()
    assert window.viewer.mask_layer.click_handler is None


def test_live_updates_while_training(loaded_window, qtbot, tiny_run):
    window = loaded_window
    panel = open_inspector(window, qtbot)
    studio = window.studio
    with qtbot.waitSignal(studio.step_reported, timeout=20000):
        studio.start_training(tiny_run(steps=100000))
    panel.pick_at(10.0, 10.0)
    first = panel.trajectories[0].values.copy()
    qtbot.waitSignal(panel.trajectories_updated, timeout=8000).wait()
    qtbot.waitUntil(lambda: not np.array_equal(panel.trajectories[0].values, first),
                    timeout=8000)
    with qtbot.waitSignal(studio.training_finished, timeout=20000):
        studio.stop_training()


def test_works_on_a_model_opened_without_its_clip(trained_window, make_window, qtbot,
                                                  tmp_path):
    trained_window.save_model(str(tmp_path / "m.pt"))
    other = make_window()
    other.open_path(str(tmp_path / "m.pt"))
    assert other.studio.clip is None
    panel = open_inspector(other, qtbot)
    panel.pick_at(90.0, 60.0)
    assert panel.patches == [(3, 5)]
    assert panel.trajectories[0].values.shape[0] == 141
    assert len(panel.train_marks.data) == 8  # markers at the 8 training frames
