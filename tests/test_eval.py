"""``actinr-studio eval``: ActINR and the baselines on the same frames, as JSON and Markdown."""

from __future__ import annotations

import json

import numpy as np
import pytest

from actinr_studio.bench import baselines as bl
from actinr_studio.bench.eval import EvalRequest, run_eval, to_markdown
from actinr_studio.cli import main
from actinr_studio.config import RunConfig
from actinr_studio.video import moving_disc, write_image


@pytest.fixture
def tiny_folder(tmp_path):
    clip = moving_disc(num_frames=5, height=24, width=32, radius=4)
    folder = tmp_path / "clip"
    folder.mkdir()
    for i, frame in enumerate(clip.frames):
        write_image(folder / f"{i:03d}.png", frame)
    return folder


@pytest.fixture
def small_config(tmp_path):
    path = tmp_path / "small.json"
    RunConfig.from_dict({"model": {"patch_size": 16, "hidden": 8},
                         "train": {"batch_pixels": 1024, "late_from": 1.0, "eval_every": 0,
                                   "preview_every": 0.0}}).save_json(path)
    return str(path)


def _eval(tmp_path, folder, config, task, baselines, *extra):
    out, md = tmp_path / "r.json", tmp_path / "r.md"
    code = main(["eval", str(folder), "--task", task, "--frames", "5", "--scale", "1",
                 "--steps", "3", "--device", "cpu", "--config", config, "--baselines", baselines,
                 "-o", str(out), "--markdown", str(md), "--quiet", *extra])
    assert code == 0
    return json.loads(out.read_text()), md.read_text()


def test_eval_without_baselines(tmp_path, tiny_folder, small_config) -> None:
    result, md = _eval(tmp_path, tiny_folder, small_config, "interp-2", "none", "--seed", "3")
    assert [r["method"] for r in result["results"]] == ["actinr"]
    for key in ("clip", "frames", "scale", "seed", "task", "settings", "wall_seconds"):
        assert key in result
    assert result["seed"] == 3 and result["task"] == "interp-2" and result["frames"] == 5
    assert result["scored_frames"] == [1, 3] and result["train_frames"] == [0, 2, 4]
    row = result["results"][0]
    assert row["steps"] == 3 and row["seconds"] > 0 and np.isfinite(row["psnr"])
    assert result["similarity"] == "ssim" and "ssim" in row
    assert "| actinr |" in md and "| method | PSNR (dB) | SSIM | seconds |" in md


def test_eval_threads_option_reaches_the_training(tmp_path, tiny_folder, small_config) -> None:
    result, md = _eval(tmp_path, tiny_folder, small_config, "interp-2", "none", "--threads", "1")
    assert result["settings"]["run_config"]["train"]["threads"] == 1
    assert result["machine"]["threads"] == 1 and "1 thread(s)" in md


def test_eval_with_cheap_baselines(tmp_path, tiny_folder, small_config) -> None:
    result, md = _eval(tmp_path, tiny_folder, small_config, "interp-2",
                       "nearest,linear_blend,minterpolate")
    methods = [r["method"] for r in result["results"]]
    assert methods == ["nearest", "linear_blend", "minterpolate", "actinr"]
    assert all("seconds" in r for r in result["results"])
    for name in methods:
        assert f"| {name} |" in md


def test_eval_represent_reports_bpp(tmp_path, tiny_folder, small_config) -> None:
    result, md = _eval(tmp_path, tiny_folder, small_config, "represent", "all")
    assert result["results"][0]["bpp_fp16"] > 0 and "bpp_fp16" in md


def test_eval_unknown_baseline_is_a_user_error(tmp_path, tiny_folder, small_config,
                                              capsys) -> None:
    code = main(["eval", str(tiny_folder), "--task", "interp-2", "--baselines", "bogus",
                 "--steps", "1", "--config", small_config])
    assert code == 2 and "unknown baseline" in capsys.readouterr().err
    assert main(["eval", str(tmp_path / "missing.mp4"), "--task", "interp-2"]) == 2
    assert main(["eval", str(tiny_folder), "--task", "blur"]) == 2


def test_opencv_missing_is_listed_as_skipped(monkeypatch, tiny_folder, small_config) -> None:
    def missing():
        raise bl.BaselineUnavailable("OpenCV is not installed (test)")

    monkeypatch.setattr(bl, "_cv2", missing)
    result = run_eval(EvalRequest(str(tiny_folder), "denoise", frames=5, scale=1, steps=2,
                                  device="cpu", config=small_config))
    assert [r["method"] for r in result["results"]] == ["noisy_input", "actinr"]
    assert {s["method"] for s in result["skipped"]} == {"nl_means", "nl_means_5"}
    assert "skipped: OpenCV is not installed" in to_markdown(result)


@pytest.mark.parametrize(
    ("task", "methods", "extra_key"),
    [("interp-2", ["nearest", "linear_blend", "minterpolate", "dis_flow"], None),
     ("sr-2", ["bicubic+blend", "lanczos+blend", "bicubic+dis_flow"], None),
     ("denoise", ["noisy_input", "nl_means", "nl_means_5"], None),
     ("inpaint", ["telea", "navier_stokes"], "hole_psnr")],
)
def test_eval_opencv_baselines(tmp_path, tiny_folder, small_config, task, methods,
                               extra_key) -> None:
    pytest.importorskip("cv2")
    result, md = _eval(tmp_path, tiny_folder, small_config, task, "all")
    assert [r["method"] for r in result["results"]] == [*methods, "actinr"]
    assert not result["skipped"]
    if extra_key:
        assert all(extra_key in r for r in result["results"]) and extra_key in md
    if task == "denoise":
        assert result["notes"]["noisy_psnr"] == pytest.approx(result["results"][0]["psnr"],
                                                              abs=1e-3)
        assert result["results"][1]["psnr"] > result["results"][0]["psnr"]


def test_dis_flow_is_exact_on_static_frames() -> None:
    pytest.importorskip("cv2")
    frames = np.repeat(moving_disc(num_frames=1, height=32, width=40).frames, 3, axis=0)
    out = bl.dis_flow_interpolate(frames, [0, 2], [1, 2])
    assert np.abs(out - frames[[1, 2]] / 255.0).max() < 2 / 255


def test_upscale_pads_to_the_full_size() -> None:
    pytest.importorskip("cv2")
    low = np.full((2, 4, 5, 3), 100, np.uint8)
    up = bl.upscale(low, 3, (13, 17), "lanczos")
    assert up.shape == (2, 13, 17, 3) and (up == 100).all()
