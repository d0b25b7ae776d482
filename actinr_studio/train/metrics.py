"""Scores as the protocols define them: PSNR per frame (peak 1, output clamped to [0, 1]),
averaged over frames; MS-SSIM where the smaller side exceeds 160 px, SSIM otherwise."""

from __future__ import annotations

import numpy as np
import torch
from pytorch_msssim import ms_ssim, ssim


def _as_float(frames) -> torch.Tensor:
    x = torch.as_tensor(np.asarray(frames) if not isinstance(frames, torch.Tensor) else frames)
    if x.dtype == torch.uint8:
        return x.float() / 255.0
    return x.float().clamp(0, 1)


def psnr_per_frame(pred, ref) -> np.ndarray:
    """PSNR in dB of each frame; inputs (N, H, W, 3) or (H, W, 3), uint8 or float in [0, 1]."""
    p, r = _as_float(pred), _as_float(ref)
    if p.shape != r.shape:
        raise ValueError(f"shapes differ: {tuple(p.shape)} vs {tuple(r.shape)}")
    if p.ndim == 3:
        p, r = p[None], r[None]
    mse = ((p - r) ** 2).flatten(1).mean(1).clamp_min(1e-12)
    return (-10.0 * torch.log10(mse)).cpu().numpy()


def psnr(pred, ref) -> float:
    """Mean of the per-frame PSNRs."""
    return float(np.mean(psnr_per_frame(pred, ref)))


def structural_similarity(pred, ref) -> tuple[str, float]:
    """('ms-ssim' or 'ssim', mean value) as the protocols choose by frame size."""
    p, r = _as_float(pred), _as_float(ref)
    if p.ndim == 3:
        p, r = p[None], r[None]
    p, r = p.permute(0, 3, 1, 2), r.permute(0, 3, 1, 2)
    if min(p.shape[-2:]) > 160:
        return "ms-ssim", float(ms_ssim(p, r, data_range=1.0, size_average=True))
    return "ssim", float(ssim(p, r, data_range=1.0, size_average=True))


def mse_to_psnr(mse: float) -> float:
    return float(-10.0 * np.log10(max(mse, 1e-12)))
