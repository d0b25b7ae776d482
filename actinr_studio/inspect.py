"""Inspecting a trained ActINR: the trajectories of a patch's frame-network biases over
continuous time, and a per-patch motion score (how much its biases move).

Qt-free. Trajectories need only the bias network (one batched call over every sample time);
the default motion score also runs the frame networks on a coarse grid. Everything costs
milliseconds and works on a model opened without its clip.

Times are in frame units (0 ... num_frames - 1, fractional); the bias network itself sees
``t = frame / (num_frames - 1)``. GOPs share their boundary frames; like the renderer, a
trajectory takes the *later* GOP at a shared boundary, so a curve may jump there (the two
GOPs' networks are independent). ``BiasTrajectories.gop`` says which GOP every sample is from.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

LAYER_MAPS = ("l1_u", "l1_v", "l2_u", "l2_v", "out")
"""Bias maps of a frame network: first layer u / v (real), second layer u / v (complex: real
parts then imaginary parts), output (R, G, B; real)."""

LAYER_LABELS = {"l1_u": "L1 u", "l1_v": "L1 v", "l2_u": "L2 u", "l2_v": "L2 v", "out": "output"}


class BiasTrajectories(NamedTuple):
    """Bias components of one patch over continuous time (unpacks as a tuple)."""

    frames: np.ndarray
    """(T,) float64 sample times in frame units, increasing."""
    values: np.ndarray
    """(T, C) float32 bias components at those times."""
    names: list[str]
    """C component names, e.g. 'l2_u.re[3]' / 'l2_u.im[3]' / 'l1_v[0]' / 'out[G]'."""
    gop_boundaries: np.ndarray
    """Frames where one GOP hands over to the next (the shared boundary frames)."""
    gop: np.ndarray
    """(T,) int GOP of every sample (the later GOP at a boundary)."""
    patch: tuple[int, int]
    layer_map: str


def component_names(layer_map: str, size: int, hidden: int) -> list[str]:
    if layer_map not in LAYER_MAPS:
        raise ValueError(f"unknown bias map {layer_map!r}; choose one of {', '.join(LAYER_MAPS)}")
    if layer_map == "out":
        return [f"out[{'RGB'[i]}]" if size == 3 else f"out[{i}]" for i in range(size)]
    if layer_map.startswith("l2"):
        return [f"{layer_map}.re[{i}]" for i in range(hidden)] + [
            f"{layer_map}.im[{i}]" for i in range(size - hidden)]
    return [f"{layer_map}[{i}]" for i in range(size)]


def _patch_index(model, patch: tuple[int, int]) -> int:
    rows, cols = model.grid.shape
    row, col = int(patch[0]), int(patch[1])
    if not (0 <= row < rows and 0 <= col < cols):
        raise ValueError(f"patch {row},{col} is outside the {rows} x {cols} patch grid")
    return row * cols + col


def _gop_times(model, samples_per_frame: int) -> tuple[np.ndarray, np.ndarray]:
    """(G, K) frame positions sampled in every GOP, and a (G, K) validity mask.

    GOP g owns [start, end) except the last, which owns [start, end]."""
    gops = model.gops
    spf = max(1, int(samples_per_frame))
    k = gops.gop * spf + 1
    frames = np.zeros((gops.count, k))
    valid = np.zeros((gops.count, k), bool)
    for g in range(gops.count):
        owned = gops.frames_of(g)
        start, end = owned[0], owned[-1]
        n = (end - start) * spf + (1 if g == gops.count - 1 or end == start else 0)
        n = max(n, 1)
        frames[g, :n] = start + np.arange(n) / spf
        frames[g, n:] = frames[g, n - 1]
        valid[g, :n] = True
    return frames, valid


@torch.no_grad()
def _bias_maps(model, units: np.ndarray, frames: np.ndarray) -> dict[str, np.ndarray]:
    """The bias network at ``units`` (U,) and frame positions (U, K): {map: (U, K, size)}."""
    device = next(model.parameters()).device
    t = np.asarray(model.gops.time_of(frames), np.float32)
    # no train()/eval() switching: the model may be training in another thread (nothing in
    # the bias network depends on the mode)
    maps = model.bias_net(torch.as_tensor(units, dtype=torch.long, device=device),
                          torch.as_tensor(t, device=device))
    return {name: value.float().cpu().numpy() for name, value in maps.items()}


def bias_trajectories(model, patch: tuple[int, int] = (0, 0), layer_map: str = "l1_u",
                      samples_per_frame: int = 20) -> BiasTrajectories:
    """Bias components of one patch's frame network over the whole clip's time.

    model: an ActINR; patch: (row, col) in ``model.grid.shape``; layer_map: one of
    ``LAYER_MAPS``; samples_per_frame: samples per frame interval (dense: curves look smooth).
    One batched call of the bias network over every GOP of the patch.
    """
    p = _patch_index(model, patch)
    component_names(layer_map, 1, 1)  # validates the name
    frames, valid = _gop_times(model, samples_per_frame)
    units = np.arange(model.gops.count) * model.patches + p
    maps = _bias_maps(model, units, frames)
    values = maps[layer_map][valid]
    gop = np.broadcast_to(np.arange(model.gops.count)[:, None], valid.shape)[valid]
    boundaries = np.array([model.gops.frames_of(g)[0] for g in range(1, model.gops.count)],
                          float)
    names = component_names(layer_map, values.shape[-1], model.config.hidden)
    return BiasTrajectories(frames[valid], values.astype(np.float32), names, boundaries,
                            gop.astype(np.int64), (int(patch[0]), int(patch[1])), layer_map)


MOTION_KINDS = ("output", "bias")


def motion_scores(model, samples_per_frame: int = 4, per_gop: bool = False,
                  kind: str = "output", grid_points: int = 8) -> np.ndarray:
    """How much every patch's biases move over time: (rows, cols) (or (gops, rows, cols)).

    kind 'bias': for every unit and map, the mean over components of the standard deviation
    over time (within the unit's GOP), divided by the map's bias scale (the standard deviation
    of all that map's biases over every unit and time), averaged over the maps.

    kind 'output' (default): the bias motion as the patch shows it: the standard deviation over
    time of the unit's colours (0..1) at ``grid_points`` x ``grid_points`` points, its frame
    network's weights fixed and only the biases following t (the weights of a unit never depend
    on t, so this is exactly the movement the biases cause). The raw bias score does not
    localise motion in ActINR: the bias network's MLP weights, the whole path from t to the
    biases, are shared by every patch, so the time variation learnt for moving patches leaks
    into static ones in directions their frame networks ignore (see tests/test_inspect.py).

    Averaged over the GOPs unless ``per_gop``. Costs one bias-network call and a frame-network
    pass of grid_points**2 points per (unit, time).
    """
    if kind not in MOTION_KINDS:
        raise ValueError(f"unknown motion score {kind!r}; choose one of {MOTION_KINDS}")
    frames, valid = _gop_times(model, samples_per_frame)
    g, p = model.gops.count, model.patches
    units = np.arange(g * p)
    all_frames = np.repeat(frames, p, axis=0)
    mask = np.repeat(valid, p, axis=0)[..., None]  # (U, K, 1)
    count = mask.sum(1)  # (U, 1)
    if kind == "bias":
        maps = _bias_maps(model, units, all_frames)
        scores = np.zeros(g * p)
        for values in maps.values():
            flat = values[np.broadcast_to(mask, values.shape)]
            scale = float(flat.std()) + 1e-12
            scores += _masked_std(values, mask, count).mean(-1) / scale
        scores /= len(maps)
    else:
        colours = _unit_colours(model, units, all_frames, grid_points)  # (U, K, M*3)
        scores = _masked_std(colours, mask, count).mean(-1)
    rows, cols = model.grid.shape
    scores = scores.reshape(g, rows, cols)
    return scores if per_gop else scores.mean(0)


def _masked_std(values: np.ndarray, mask: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Standard deviation over axis 1 of (U, K, C) values where mask (U, K, 1) is set."""
    mean = (values * mask).sum(1) / count
    return np.sqrt((((values - mean[:, None]) ** 2) * mask).sum(1) / count)


@torch.no_grad()
def _unit_colours(model, units: np.ndarray, frames: np.ndarray, grid_points: int) -> np.ndarray:
    """Colours of units (U,) at times (U, K) on a grid of local points: (U, K, M * 3)."""
    from actinr_studio.model.frame_net import frame_forward

    device = next(model.parameters()).device
    n = max(2, int(grid_points))
    axis = torch.linspace(-1.0, 1.0, n, device=device)
    points = torch.stack(torch.meshgrid(axis, axis, indexing="xy"), -1).reshape(1, 1, n * n, 2)
    unit = torch.as_tensor(units, dtype=torch.long, device=device)
    t = torch.as_tensor(np.asarray(model.gops.time_of(frames), np.float32), device=device)
    out = []
    for u0 in range(0, len(units), 256):
        u = unit[u0:u0 + 256]
        biases = model.biases(u, t[u0:u0 + 256])
        pts = points.expand(len(u), t.shape[1], -1, -1)
        rgb = frame_forward(pts, *model.frame_nets.weights(u), *biases, model.config.w0,
                            model.config.s0)
        out.append(rgb.reshape(len(u), t.shape[1], -1).float().cpu().numpy())
    return np.concatenate(out)


def top_components(values: np.ndarray, count: int = 8) -> np.ndarray:
    """Indices of the ``count`` components with the largest variance over time (largest first)."""
    order = np.argsort(-np.asarray(values).var(0), kind="stable")
    return order[:count]


def write_trajectories_csv(path: str | os.PathLike, trajectories, training_frames=None) -> Path:
    """Write one or more ``BiasTrajectories`` as a long CSV table.

    Columns: patch_row, patch_col, layer_map, frame, t (0..1), gop, training_frame (1 when the
    sample lies on a training frame; empty when unknown), then one column per component.
    ``trajectories``: one BiasTrajectories or a list of them with the same layer map.
    """
    if isinstance(trajectories, BiasTrajectories):
        trajectories = [trajectories]
    trajectories = list(trajectories)
    if not trajectories:
        raise ValueError("nothing to write: no trajectories")
    names = trajectories[0].names
    if any(tr.names != names for tr in trajectories):
        raise ValueError("all trajectories of one CSV must have the same components")
    train = None if training_frames is None else np.asarray(training_frames, bool)
    path = Path(path)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["patch_row", "patch_col", "layer_map", "frame", "t", "gop",
                         "training_frame", *names])
        for tr in trajectories:
            last = max(float(tr.frames[-1]), 1e-12)
            for frame, gop, row in zip(tr.frames, tr.gop, tr.values, strict=True):
                on_frame = abs(frame - round(frame)) < 1e-9
                flag = "" if train is None else int(on_frame and bool(train[int(round(frame))]))
                writer.writerow([tr.patch[0], tr.patch[1], tr.layer_map, f"{frame:.6g}",
                                 f"{frame / last:.6g}", int(gop), flag,
                                 *(f"{v:.7g}" for v in row)])
    return path


def export_biases_csv(model_path: str | os.PathLike, patch: str | tuple[int, int],
                      layer: str, output: str | os.PathLike,
                      samples_per_frame: int = 20) -> Path:
    """The headless ``actinr-studio biases MODEL --patch i,j --layer L -o biases.csv``.

    patch: 'row,col' (several as 'r,c;r,c') or a (row, col) tuple; layer: a map name of
    ``LAYER_MAPS`` (also 'L1u', 'l1-u', 'output'). Marks the training frames when the model's
    task says which they are. Bad input raises ``UserError`` (one line for the CLI).
    """
    from actinr_studio.checkpoint import load_checkpoint
    from actinr_studio.errors import UserError

    layer_map = _parse_layer(layer)
    patches = _parse_patches(patch)
    ck = load_checkpoint(model_path)
    try:
        trs = [bias_trajectories(ck.model, p, layer_map, samples_per_frame) for p in patches]
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return write_trajectories_csv(output, trs, _training_frames(ck.run.task, ck.video.num_frames))


def _parse_layer(layer: str) -> str:
    from actinr_studio.errors import UserError

    key = str(layer).strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {"l1u": "l1_u", "l1v": "l1_v", "l2u": "l2_u", "l2v": "l2_v", "output": "out"}
    key = aliases.get(key, key)
    if key not in LAYER_MAPS:
        raise UserError(f"unknown layer {layer!r}; choose one of {', '.join(LAYER_MAPS)}")
    return key


def _parse_patches(patch) -> list[tuple[int, int]]:
    from actinr_studio.errors import UserError

    if isinstance(patch, tuple):
        return [(int(patch[0]), int(patch[1]))]
    try:
        out = []
        for part in str(patch).split(";"):
            row, col = part.split(",")
            out.append((int(row), int(col)))
        return out
    except ValueError:
        raise UserError(f"--patch wants ROW,COL (e.g. 2,3), got {patch!r}") from None


def _training_frames(task: str, num_frames: int) -> np.ndarray | None:
    try:
        from actinr_studio.tasks import parse_task

        dummy = np.zeros((num_frames, 1, 1, 3), np.uint8)
        return np.asarray(parse_task(task).prepare(dummy).train_frames, bool)
    except Exception:  # noqa: BLE001 (unknown or changed task: no markers, still a CSV)
        return None
