"""``actinr-studio bench gui``: how responsive the window stays while a training runs.

Measures the event-loop latency with a 10 ms QTimer probe (lateness of each tick) and the time
from a slider move to the new frame on screen in a 480x270 view (while training, and after it).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

import numpy as np

PROBE_MS = 10


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def bench_gui(seconds: float = 20.0) -> dict:
    """Run the benchmark for about ``seconds`` (offscreen unless a display is set)."""
    if "PySide6.QtWidgets" not in sys.modules and not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("ACTINR_STUDIO_NO_DIALOGS", "1")
    import dataclasses

    from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer

    from actinr_studio.config import RunConfig
    from actinr_studio.gui.app import ensure_app
    from actinr_studio.gui.main_window import MainWindow
    from actinr_studio.gui.train_panel import defaults_for_clip
    from actinr_studio.video import moving_disc

    app = ensure_app()
    folder = tempfile.TemporaryDirectory()
    settings = QSettings(os.path.join(folder.name, "bench.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, ask_on_open=False)
    window.viewer.view.setFixedSize(480, 270)
    window.show()
    studio, viewer = window.studio, window.viewer
    clip = moving_disc(num_frames=24, height=270, width=480, radius=30, speed=8.0)
    studio.set_clip(clip)
    model, train = defaults_for_clip(clip.width, clip.height, clip.num_frames)
    train = dataclasses.replace(train, steps=1_000_000, device="auto")
    ticks: list[float] = []
    last = [time.perf_counter()]

    def on_probe() -> None:
        now = time.perf_counter()
        ticks.append((now - last[0]) * 1000.0 - PROBE_MS)
        last[0] = now

    def spin(ms: float, until=None) -> bool:
        timer = QElapsedTimer()
        timer.start()
        while timer.elapsed() < ms:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
            if until is not None and until():
                return True
            time.sleep(0.001)
        return False

    reports: list = []
    studio.step_reported.connect(reports.append)
    studio.start_training(RunConfig(model=model, train=train))
    spin(60_000, lambda: len(reports) > 0)
    probe = QTimer()
    probe.setTimerType(probe.timerType().PreciseTimer)
    probe.timeout.connect(on_probe)
    last[0] = time.perf_counter()
    probe.start(PROBE_MS)
    spin(max(1.0, seconds * 0.5) * 1000)

    def slider_moves(count: int, budget_ms: float) -> list[float]:
        shown: list = []
        viewer.frame_shown.connect(shown.append)
        rng = np.random.default_rng(0)
        times = []
        try:
            for _ in range(count):
                target = round(float(rng.uniform(0, clip.num_frames - 1)), 2)
                if abs(target - viewer.position()) < 0.01:
                    target = round((target + 1.37) % (clip.num_frames - 1), 2)
                shown.clear()
                started = time.perf_counter()
                viewer.set_position(target)
                if spin(budget_ms, lambda t=target: any(abs(r.job.frame - t) < 1e-9
                                                        for r in shown)):
                    times.append((time.perf_counter() - started) * 1000.0)
                spin(150)
        finally:
            viewer.frame_shown.disconnect(shown.append)
        return times

    moves = max(5, min(15, int(seconds)))
    training_moves = slider_moves(moves, 3000)
    probe.stop()
    steps = reports[-1].step if reports else 0
    finished: list = []
    studio.training_finished.connect(finished.append)
    studio.stop_training()
    spin(30_000, lambda: bool(finished))
    idle_moves = slider_moves(moves, 3000)
    window.close()
    folder.cleanup()
    return {
        "seconds": seconds,
        "clip": f"{clip.width}x{clip.height}x{clip.num_frames}",
        "device": reports[-1].device if reports else "",
        "training_steps": steps,
        "loop_latency_ms": {"median": statistics.median(ticks) if ticks else float("nan"),
                            "p95": _percentile(ticks, 95), "max": max(ticks, default=0.0),
                            "samples": len(ticks)},
        "slider_to_frame_ms_training": {
            "median": statistics.median(training_moves) if training_moves else float("nan"),
            "p95": _percentile(training_moves, 95), "moves": len(training_moves),
            "attempted": moves},
        "slider_to_frame_ms_idle": {
            "median": statistics.median(idle_moves) if idle_moves else float("nan"),
            "p95": _percentile(idle_moves, 95), "moves": len(idle_moves), "attempted": moves},
        "targets": {"loop_latency_median_ms": 50, "loop_latency_p95_ms": 200,
                    "slider_to_frame_median_ms": 150},
    }


if __name__ == "__main__":  # pragma: no cover
    import json

    print(json.dumps(bench_gui(float(sys.argv[1]) if len(sys.argv) > 1 else 20.0), indent=2))
