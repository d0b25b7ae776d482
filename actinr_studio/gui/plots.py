"""Live training curves: loss and PSNR (batch, training frames, held-out frames) against the
step, with the step rate and ETA. Plot items are created once; redraws are throttled."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget
from superqt.utils import qthrottled


def format_eta(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds < 0:
        return "--"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class CurveSeries:
    """Growing x / y arrays (amortised appends) for one curve."""

    def __init__(self) -> None:
        self.x = np.zeros(256)
        self.y = np.zeros(256)
        self.n = 0

    def append(self, x: float, y: float) -> None:
        if self.n == len(self.x):
            self.x = np.concatenate([self.x, np.zeros_like(self.x)])
            self.y = np.concatenate([self.y, np.zeros_like(self.y)])
        self.x[self.n], self.y[self.n] = x, y
        self.n += 1

    def clear(self) -> None:
        self.n = 0

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x[: self.n], self.y[: self.n]


class PlotsPanel(QWidget):
    """Shows StepReport / Evaluation events of the studio."""

    def __init__(self, studio, parent=None):
        super().__init__(parent)
        self.studio = studio
        self.graphs = pg.GraphicsLayoutWidget()
        self.graphs.setBackground("#202124")
        self.loss_plot = self.graphs.addPlot(row=0, col=0, title="loss (MSE)")
        self.loss_plot.setLogMode(y=True)
        self.psnr_plot = self.graphs.addPlot(row=1, col=0, title="PSNR (dB)")
        self.psnr_plot.setXLink(self.loss_plot)
        legend = self.psnr_plot.addLegend(offset=(-5, 5))
        legend.setBrush(pg.mkBrush(0, 0, 0, 120))
        for plot in (self.loss_plot, self.psnr_plot):
            plot.showGrid(x=True, y=True, alpha=0.2)
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
            plot.setLabel("bottom", "step")
        self.series = {name: CurveSeries() for name in ("loss", "batch", "train", "heldout")}
        self.curves = {
            "loss": self.loss_plot.plot(pen=pg.mkPen("#ffb74d", width=1.5)),
            "batch": self.psnr_plot.plot(pen=pg.mkPen("#90a4ae", width=1), name="batch"),
            "train": self.psnr_plot.plot(pen=pg.mkPen("#66bb6a", width=2), symbol="o",
                                         symbolSize=5, symbolBrush="#66bb6a",
                                         name="training frames"),
            "heldout": self.psnr_plot.plot(pen=pg.mkPen("#ef5350", width=2), symbol="s",
                                           symbolSize=5, symbolBrush="#ef5350",
                                           name="held-out frames"),
        }
        self.status = QLabel("no training yet")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.graphs, 1)
        layout.addWidget(self.status)
        self.last_report = None
        self.reports = 0
        self._rate_window: list[tuple[float, int]] = []
        self._redraw = qthrottled(self.redraw, timeout=250, parent=self)
        studio.training_started.connect(self._on_training_started)
        studio.step_reported.connect(self._on_step_reported)
        studio.evaluated.connect(self._on_evaluated)
        studio.document_changed.connect(self.clear)

    def clear(self) -> None:
        for series in self.series.values():
            series.clear()
        self._rate_window.clear()
        self.last_report = None
        self.reports = 0
        self.redraw()
        self.status.setText("no training yet")

    def _on_training_started(self) -> None:
        if self.studio.trainer is None:
            self.clear()
        self._rate_window.clear()

    def _on_step_reported(self, report) -> None:
        self.last_report = report
        self.reports += 1
        self.series["loss"].append(report.step, max(report.loss, 1e-12))
        self.series["batch"].append(report.step, report.batch_psnr)
        self._rate_window.append((report.seconds, report.step))
        del self._rate_window[:-20]
        self._redraw()

    def _on_evaluated(self, evaluation) -> None:
        self.series["train"].append(evaluation.step, evaluation.train_psnr)
        if evaluation.heldout_psnr is not None:
            self.series["heldout"].append(evaluation.step, evaluation.heldout_psnr)
        self._redraw()

    def step_rate(self) -> float:
        if len(self._rate_window) < 2:
            return 0.0
        (t0, s0), (t1, s1) = self._rate_window[0], self._rate_window[-1]
        return (s1 - s0) / (t1 - t0) if t1 > t0 else 0.0

    def redraw(self) -> None:
        for name, curve in self.curves.items():
            curve.setData(*self.series[name].data())
        report = self.last_report
        if report is None:
            return
        rate = self.step_rate()
        eta = (report.total_steps - report.step) / rate if rate > 0 else float("nan")
        held = f"{report.heldout_psnr:.2f} dB" if report.heldout_psnr is not None else "--"
        train = f"{report.train_psnr:.2f} dB" if report.train_psnr is not None else "--"
        self.status.setText(
            f"step {report.step}/{report.total_steps}  |  {rate:.1f} steps/s  |  "
            f"ETA {format_eta(eta)}  |  loss {report.loss:.2e}  |  batch "
            f"{report.batch_psnr:.2f} dB  |  train {train}  |  held-out {held}"
        )
