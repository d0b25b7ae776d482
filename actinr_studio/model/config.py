"""Configuration of the ActINR model (every number of the model is a field here)."""

from __future__ import annotations

from dataclasses import dataclass

from actinr_studio.errors import UserError

ACTIVATIONS = ("wire", "gauss", "siren")
"""Frame-network activations: 'wire' (complex Gabor, the paper's), 'gauss' and 'siren'
(real networks, for the paper's activation ablation, Fig. 9)."""


@dataclass(frozen=True)
class ModelConfig:
    """The ActINR model. Defaults follow ``model.md`` except where a field says otherwise."""

    patch_size: int = 48
    """Side P of the square patches a frame is tiled into, in pixels (paper: 96; 48 reaches a
    better held-out PSNR within minutes on a CPU). Frames are reflect-padded to a multiple."""

    gop: int = 10
    """Frames per group of pictures. GOP g holds frames [g*gop, g*gop + gop]: neighbouring GOPs
    share (and both train on) their boundary frame."""

    hidden: int = 36
    """Width of the two Gabor layers, in complex features (paper 36; released code 33)."""

    w0: float = 5.0
    """Frequency of the complex Gabor wavelet (released code 5). For ``activation='siren'`` it is
    SIREN's w0 in sin(w0 * u): SIREN usually uses 30, so set it explicitly (the paper benchmark
    does); unused by 'gauss'."""

    s0: float = 10.0
    """Scale of the Gaussian window of the Gabor wavelet (released code 10). For
    ``activation='gauss'`` it is the scale in exp(-(s0 * u)^2); unused by 'siren'."""

    rff_features: int = 40
    """Number of random Fourier frequencies B of time t fed to the bias network."""

    rff_sigma: float = 1.0
    """Standard deviation of the random Fourier frequencies B ~ N(0, sigma^2)."""

    latent_dim: int = 10
    """Length of the learned latent code per (GOP, patch, bias map)."""

    time_init_scale: float = 1.0
    """Scale of the bias network's last-layer weights at initialisation: how much the biases
    vary with t at the start (the per-patch part of the biases is not scaled)."""

    overlap: bool = False
    """Overlapping windows: stride P/2 with tent weights that sum to one (removes seams)."""

    activation: str = "wire"
    """Activation of the frame network: 'wire' (2-D complex Gabor: two maps u, v per layer,
    complex layer 2 and output), or the real ablations 'gauss' (exp(-(s0 u)^2)) and 'siren'
    (sin(w0 u)): real 2 -> h -> h -> 3 networks with one map per layer."""

    bias_source: str = "network"
    """Where the biases come from: 'network' (the bias network of t: ActINR) or 'per_frame'
    (free biases per anchor frame, linearly interpolated between them: the paper's ablation)."""

    seed: int = 0
    """Seed of the initial weights and of the random Fourier frequencies."""

    def __post_init__(self) -> None:
        if self.patch_size < 2 or self.patch_size % 2:
            raise UserError(f"patch size must be an even number >= 2, got {self.patch_size}")
        if self.gop < 1:
            raise UserError(f"GOP length must be >= 1 frame, got {self.gop}")
        if self.hidden < 1:
            raise UserError(f"hidden width must be >= 1, got {self.hidden}")
        for name in ("w0", "s0", "rff_sigma"):
            value = getattr(self, name)
            if not (value > 0 and value < float("inf")):
                raise UserError(f"{name} must be a positive number, got {value}")
        if not (0 <= self.time_init_scale < float("inf")):
            raise UserError(f"time_init_scale must be >= 0, got {self.time_init_scale}")
        if self.rff_features < 1 or self.latent_dim < 0:
            raise UserError("rff_features must be >= 1 and latent_dim >= 0")
        if self.bias_source not in ("network", "per_frame"):
            raise UserError(
                f"bias_source must be 'network' or 'per_frame', got {self.bias_source!r}"
            )
        if self.activation not in ACTIVATIONS:
            raise UserError(
                f"unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}"
            )
