"""``bench train``: pixel-iterations per second of a training step (forward + backward + Adam)
at the paper's unit size, side by side with a complex64 reference, and the fp32 matmul peak of
the same run."""

from __future__ import annotations

import platform
import statistics
import time

import torch

from actinr_studio.bench.reference import ComplexReference
from actinr_studio.model import ActINR, ModelConfig
from actinr_studio.runtime import tune_process
from actinr_studio.train.loop import masked_loss_fn


def matmul_peak_gflops(size: int = 2048, repeats: int = 5) -> float:
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * size**3 / min(times) / 1e9


def flops_per_pixel_iteration(hidden: int) -> float:
    """Matmul FLOPs of one pixel through forward and backward (3x the forward matmuls)."""
    h = hidden
    forward = 2 * (2 * 2 * h) + 2 * (2 * h) * (4 * h) + 2 * (2 * h) * 3
    return 3.0 * forward


def _time_steps(step, warmup: int, repeats: int, steps_per_repeat: int) -> list[float]:
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps_per_repeat):
            step()
        times.append((time.perf_counter() - start) / steps_per_repeat)
    return times


def bench_train(
    patch: int = 96,
    hidden: int = 36,
    patches: tuple[int, int] = (3, 5),
    points_per_unit: int = 1024,
    repeats: int = 5,
    steps_per_repeat: int = 5,
    reference_steps: int = 2,
    compile: bool = True,
    device: str = "cpu",
) -> dict:
    """Returns the figures as a dict (see the keys); all variants run in this one process."""
    tuned = tune_process()
    dev = torch.device(device)
    rows, cols = patches
    config = ModelConfig(patch_size=patch, hidden=hidden)
    model = ActINR(config, rows * patch, cols * patch, config.gop + 1).to(dev)
    units = model.units
    n = points_per_unit
    gen = torch.Generator(device=dev).manual_seed(0)
    local = torch.rand(units, 1, n, 2, device=dev, generator=gen) * 2 - 1
    t = torch.rand(units, 1, device=dev, generator=gen)
    target = torch.rand(units, 1, n, 3, device=dev, generator=gen)
    weight = torch.ones(units, 1, n, device=dev)
    pixels = units * n
    results: dict = {
        "benchmark": "train",
        "machine": {"processor": platform.processor() or platform.machine(),
                    "threads": torch.get_num_threads(), "torch": torch.__version__,
                    "device": str(dev)},
        "setup": {"patch": patch, "hidden": hidden, "units": units,
                  "points_per_unit": n, "pixels_per_step": pixels},
        "denormals_flushed_for_ours": tuned["flush_denormal"],
        "heap_allocator": tuned["heap_allocator"],
    }
    torch.set_flush_denormal(True)
    results["fp32_matmul_peak_gflops"] = matmul_peak_gflops()

    def ours(loss_fn):
        opt = torch.optim.Adam(model.parameters(), lr=1e-4, fused=True)

        def step():
            loss = loss_fn(local, t, target, weight)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            if dev.type == "cuda":
                torch.cuda.synchronize()

        return step

    variants = {"ours_eager": masked_loss_fn(model)}
    if compile:
        variants["ours_compiled"] = torch.compile(masked_loss_fn(model, True), dynamic=False)
    for name, fn in variants.items():
        started = time.perf_counter()
        step = ours(fn)
        step()
        warm = time.perf_counter() - started
        times = _time_steps(step, 2, repeats, steps_per_repeat)
        med = statistics.median(times)
        results[name] = {"median_step_ms": med * 1e3, "mpix_per_s": pixels / med / 1e6,
                         "first_step_s": warm}

    reference = ComplexReference(units, hidden, config.w0, config.s0).to(dev)
    ref_opt = torch.optim.Adam(reference.parameters(), lr=1e-4)
    flat_points = local[:, 0]
    flat_target = target[:, 0]

    def ref_step():
        biases = model.biases(torch.arange(units, device=dev), t)
        b1, b2, b3 = (b.detach() for b in biases)
        h = hidden
        b2c_u = torch.complex(b2[..., :h], b2[..., 2 * h:3 * h])
        b2c_v = torch.complex(b2[..., h:2 * h], b2[..., 3 * h:])
        out = reference(flat_points, b1[..., :h], b1[..., h:], b2c_u, b2c_v, b3)
        loss = ((out - flat_target) ** 2).mean()
        loss.backward()
        ref_opt.step()
        ref_opt.zero_grad(set_to_none=True)

    for name, flush in (("reference_complex64_default", False),
                        ("reference_complex64_flushed", True)):
        torch.set_flush_denormal(flush)
        times = _time_steps(ref_step, 1, 3, reference_steps)
        med = statistics.median(times)
        results[name] = {"median_step_ms": med * 1e3, "mpix_per_s": pixels / med / 1e6,
                         "denormals_flushed": flush}
    torch.set_flush_denormal(True)
    best = results.get("ours_compiled", results["ours_eager"])
    flops = flops_per_pixel_iteration(hidden)
    results["best"] = "ours_compiled" if "ours_compiled" in results else "ours_eager"
    results["mpix_per_s"] = best["mpix_per_s"]
    results["achieved_gflops"] = best["mpix_per_s"] * 1e6 * flops / 1e9
    results["fraction_of_peak"] = results["achieved_gflops"] / results["fp32_matmul_peak_gflops"]
    results["fp32_limit_mpix_per_s"] = results["fp32_matmul_peak_gflops"] * 1e9 / flops / 1e6
    results["speedup_vs_reference_default"] = (
        best["mpix_per_s"] / results["reference_complex64_default"]["mpix_per_s"])
    results["speedup_vs_reference_flushed"] = (
        best["mpix_per_s"] / results["reference_complex64_flushed"]["mpix_per_s"])
    results["flops_per_pixel_iteration"] = flops
    return results
