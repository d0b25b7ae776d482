"""Scores as the protocols define them: PSNR per frame (peak 1, output clamped to [0, 1]),
averaged over frames; MS-SSIM where the smaller side exceeds 160 px, SSIM otherwise."""

from __future__ import annotations

import numpy as np
import torch
from pytorch_msssim import ms_ssim, ssim


def _as_float(frames) -> torch.Tensor:
    x = frames if isinstance(frames, torch.Tensor) else torch.as_tensor(np.asarray(frames))
    if x.dtype == torch.uint8:
        return x.float() / 255.0
    return x.float().clamp(0, 1)


def _as_batch(frames) -> torch.Tensor:
    x = frames if isinstance(frames, torch.Tensor) else torch.as_tensor(np.asarray(frames))
    return x[None] if x.ndim == 3 else x


def psnr_per_frame(pred, ref) -> np.ndarray:
    """PSNR in dB of each frame; inputs (N, H, W, 3) or (H, W, 3), uint8 or float in [0, 1].

    Frames are converted to float one at a time, so memory stays at one frame's worth."""
    p, r = _as_batch(pred), _as_batch(ref)
    if p.shape != r.shape:
        raise ValueError(f"shapes differ: {tuple(p.shape)} vs {tuple(r.shape)}")
    out = np.empty(p.shape[0])
    for i in range(p.shape[0]):
        mse = ((_as_float(p[i]) - _as_float(r[i])) ** 2).mean().clamp_min(1e-12)
        out[i] = float(-10.0 * torch.log10(mse))
    return out


def psnr(pred, ref) -> float:
    """Mean of the per-frame PSNRs."""
    return float(np.mean(psnr_per_frame(pred, ref)))


def structural_similarity(pred, ref) -> tuple[str, float]:
    """('ms-ssim' or 'ssim', mean over frames) as the protocols choose by frame size.

    Computed frame by frame (the mean of per-frame values, as pytorch_msssim's batch mean),
    which keeps memory bounded for long or large clips."""
    p, r = _as_batch(pred), _as_batch(ref)
    multi_scale = min(p.shape[1:3]) > 160
    values = []
    for i in range(p.shape[0]):
        a = _as_float(p[i]).permute(2, 0, 1)[None]
        b = _as_float(r[i]).permute(2, 0, 1)[None]
        fn = ms_ssim if multi_scale else ssim
        values.append(float(fn(a, b, data_range=1.0, size_average=True)))
    return ("ms-ssim" if multi_scale else "ssim"), float(np.mean(values))


def mse_to_psnr(mse: float) -> float:
    return float(-10.0 * np.log10(max(mse, 1e-12)))
