"""End to end through the command line on the bundled real clip, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from actinr_studio.cli import main
from actinr_studio.video import read_clip


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "actinr_studio", *args], capture_output=True,
                          text=True, timeout=300)


def test_fit_render_export_info_on_the_sample_clip(tmp_path, sample_clip_path):
    model = tmp_path / "m.pt"
    fit = run_cli("fit", str(sample_clip_path), "--task", "interp-2", "--frames", "9",
                  "--scale", "2", "--steps", "60", "--patch", "16", "--hidden", "8", "--quiet",
                  "-o", str(model))
    assert fit.returncode == 0, fit.stderr
    summary = json.loads(fit.stdout[fit.stdout.index("{"):])
    assert summary["steps"] == 60 and summary["frames"] == 9
    assert summary["metrics"]["heldout_psnr"] > 10

    png = tmp_path / "f.png"
    render = run_cli("render", str(model), "--frame", "3.35", "--region", "10,5,40,20",
                     "--size", "160x80", "-o", str(png))
    assert render.returncode == 0, render.stderr
    assert read_clip(png).frames.shape == (1, 80, 160, 3)

    out = tmp_path / "slow.mp4"
    export = run_cli("export", str(model), "--slowmo", "4", "--range", "0:2", "--quiet",
                     "-o", str(out))
    assert export.returncode == 0, export.stderr
    clip = read_clip(out)
    assert clip.num_frames == 9  # 0, 0.25, ..., 2.0
    assert (clip.width % 2, clip.height % 2) == (0, 0)

    info = run_cli("info", str(model), "--json")
    assert info.returncode == 0, info.stderr
    facts = json.loads(info.stdout)
    assert facts["task"] == "interp-2" and facts["video"]["num_frames"] == 9
    assert facts["resumable"] is True


@pytest.mark.parametrize(
    "args, needle",
    [
        (["fit", "missing.mp4", "-o", "{tmp}/m.pt"], "No such file"),
        (["fit", "{sample}", "--task", "warp-3", "-o", "{tmp}/m.pt"], "unknown task"),
        (["fit", "{sample}", "--steps", "-5", "-o", "{tmp}/m.pt"], ">= 1"),
        (["fit", "{sample}", "--threads", "0", "-o", "{tmp}/m.pt"], ">= 1"),
        (["eval", "{sample}", "--task", "interp-2", "--threads", "x"], "whole number"),
        (["fit", "{sample}", "--scale", "abc", "-o", "{tmp}/m.pt"], "number"),
        (["fit", "{sample}", "--start", "500", "-o", "{tmp}/m.pt"], ""),
        (["fit", "{sample}", "-o", "{tmp}/no/such/dir/m.pt"], "does not exist"),
        (["render", "{tmp}/junk.pt", "--frame", "1", "-o", "{tmp}/x.png"], "not an actinr"),
        (["info", "{tmp}/nothing.pt"], "not found"),
        (["export", "{tmp}/junk.pt", "-o", "{tmp}/x.mp4", "--slowmo", "0"], "positive"),
        (["render", "{tmp}/junk.pt", "--frame", "1", "--size", "10by10", "-o", "x.png"], "WxH"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(tmp_path, sample_clip_path, capsys, args, needle):
    (tmp_path / "junk.pt").write_bytes(b"\x00garbage" * 10)
    argv = [a.format(tmp=tmp_path, sample=sample_clip_path) for a in args]
    with pytest.raises(SystemExit) as exit_info:
        sys.exit(main(argv))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err and needle in err


def test_render_frame_outside_the_clip_is_refused(tmp_path, sample_clip_path, capsys):
    model = tmp_path / "m.pt"
    assert main(["fit", str(sample_clip_path), "--frames", "3", "--scale", "4", "--steps", "2",
                 "--patch", "16", "--hidden", "4", "--quiet", "-o", str(model)]) == 0
    capsys.readouterr()
    assert main(["render", str(model), "--frame", "7.5", "-o", str(tmp_path / "x.png")]) == 2
    assert "within 0 ... 2" in capsys.readouterr().err


def test_biases_command_writes_trajectories(tmp_path, sample_clip_path, capsys):
    model = tmp_path / "m.pt"
    assert main(["fit", str(sample_clip_path), "--frames", "5", "--scale", "4", "--steps", "3",
                 "--patch", "16", "--hidden", "4", "--gop", "4", "--quiet", "-o", str(model)]) == 0
    out = tmp_path / "b.csv"
    assert main(["biases", str(model), "--patch", "1,2", "--layer", "l2_u",
                 "--samples-per-frame", "5", "-o", str(out)]) == 0
    rows = out.read_text().splitlines()
    header = rows[0].split(",")
    assert header[:3] == ["patch_row", "patch_col", "layer_map"]
    assert sum(name.startswith("l2_u.") for name in header) == 8  # 4 complex -> re + im
    assert len(rows) > 20
    capsys.readouterr()
    assert main(["biases", str(model), "--patch", "9,9", "-o", str(out)]) == 2
    assert "outside" in capsys.readouterr().err
