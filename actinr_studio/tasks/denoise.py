"""``denoise``: every frame after photon (shot + read) noise, scored against the clean clip.

Noise model (the paper's released code): y = (Poisson(tau * x) + N(0, sigma_r^2)) / tau for a
clean value x in [0, 1]; so E[y] = x and Var[y] = x / tau + sigma_r^2 / tau^2. The noisy value
is then clipped to [0, 1] and quantised to uint8 (the model, like any video tool, sees 8-bit
frames), which slightly biases the darkest and brightest values.

``denoise:noisy`` fits a clip that is already noisy: no noise is added and there is no clean
reference, so it is scored against its own (noisy) input.
"""

from __future__ import annotations

import numpy as np

from actinr_studio.errors import UserError
from actinr_studio.tasks.base import Task
from actinr_studio.train.data import Supervision
from actinr_studio.train.metrics import psnr

DEFAULT_TAU = 30.0
DEFAULT_SIGMA_R = 1.0


def photon_noise(clean: np.ndarray, tau: float, sigma_r: float, rng: np.random.Generator):
    """Noisy float64 values (unclipped) of clean values in [0, 1]."""
    x = np.asarray(clean, np.float64)
    counts = rng.poisson(tau * x)
    read = rng.normal(0.0, sigma_r, size=x.shape) if sigma_r > 0 else 0.0
    return (counts + read) / tau


def to_uint8(values: np.ndarray) -> np.ndarray:
    """Clip to [0, 1] and quantise to 0..255 (round to nearest)."""
    return np.rint(np.clip(values, 0.0, 1.0) * 255.0).astype(np.uint8)


class Denoise(Task):
    def __init__(self, tau: float = DEFAULT_TAU, sigma_r: float = DEFAULT_SIGMA_R, seed: int = 0,
                 already_noisy: bool = False):
        if not tau > 0:
            raise UserError(f"denoise: tau must be > 0, got {tau:g}")
        if not sigma_r >= 0:
            raise UserError(f"denoise: sigma must be >= 0, got {sigma_r:g}")
        self.tau, self.sigma_r, self.seed = float(tau), float(sigma_r), int(seed)
        self.already_noisy = already_noisy
        if already_noisy:
            self.name = "denoise:noisy"
        else:
            options = []
            if self.tau != DEFAULT_TAU:
                options.append(f"tau={self.tau:g}")
            if self.sigma_r != DEFAULT_SIGMA_R:
                options.append(f"sigma={self.sigma_r:g}")
            if self.seed:
                options.append(f"seed={self.seed}")
            self.name = "denoise" + (":" + ",".join(options) if options else "")

    def add_noise(self, frames: np.ndarray) -> np.ndarray:
        """The noisy uint8 frames (reproducible: the seed is a field)."""
        rng = np.random.default_rng(self.seed)
        out = np.empty_like(frames)
        for i, frame in enumerate(frames):
            out[i] = to_uint8(photon_noise(frame / 255.0, self.tau, self.sigma_r, rng))
        return out

    def prepare(self, frames: np.ndarray) -> Supervision:
        n = frames.shape[0]
        every = np.ones(n, bool)
        if self.already_noisy:
            notes = {"reference": "the noisy input itself (no clean clip): scores measure the "
                                  "fit to the input, not denoising quality"}
            return Supervision(frames, every, scored_frames=every, notes=notes)
        noisy = self.add_noise(frames)
        notes = {"tau": self.tau, "sigma_r": self.sigma_r, "seed": self.seed,
                 "noise": "(Poisson(tau*x) + N(0, sigma_r^2)) / tau, clipped to [0, 1], "
                          "quantised to uint8",
                 "noisy_psnr": psnr(noisy, frames)}
        return Supervision(noisy, every, reference=frames, scored_frames=every, notes=notes)

    def describe(self) -> str:
        if self.already_noisy:
            return "denoise:noisy: fit a noisy clip; scored against the input itself"
        return (f"{self.name}: train on every frame with photon noise (tau={self.tau:g}, "
                f"sigma_r={self.sigma_r:g}, seed {self.seed}); score against the clean clip")
