"""``bench paper``: the toy experiments of Table 4 and Fig. 9 run and report the right rows."""

from __future__ import annotations

import json

import numpy as np

from actinr_studio.bench import paper
from actinr_studio.cli import main
from actinr_studio.video import moving_disc

TINY = paper.settings_with(steps=3, frames=5, height=16, width=32, radius=3, speed=2.0,
                           patch_size=16, gop=4, hidden=4, batch_pixels=256)


def test_background_mask_of_a_moving_disc() -> None:
    clip = moving_disc(9, 20, 40, radius=4, speed=3.0, background="flat")
    mask = paper.background_mask(clip.frames)
    assert mask.shape == (20, 40)
    changes = (clip.frames != clip.frames[:1]).any(axis=(0, 3))
    np.testing.assert_array_equal(mask, ~changes)
    # The disc's path is a horizontal band: columns far right of its last position and rows
    # far from its centre line are background, and the band holds moving pixels.
    assert mask[:, 40 - 3 :].all() or mask[0].all()
    assert not mask.all() and mask.sum() > 0.5 * mask.size
    frame_has_disc = (clip.frames != 128).any(axis=3)  # flat grey background is 0.5
    assert not (mask[None] & frame_has_disc).any()


def test_background_mask_of_a_static_clip_is_everything() -> None:
    frames = np.repeat(np.random.default_rng(0).integers(0, 256, (1, 6, 7, 3), np.uint8), 4, 0)
    assert paper.background_mask(frames).all()


def test_even_frames_supervision_matches_interp_2() -> None:
    sup = paper.even_frames_supervision(np.zeros((6, 4, 4, 3), np.uint8))
    assert sup.train_frames.tolist() == [True, False, True, False, True, False]
    assert sup.heldout_frames.tolist() == [False, True, False, True, False, False]


def test_table4_rows_and_keys() -> None:
    result = paper.table4(TINY)
    assert [r["method"] for r in result["rows"]] == ["oracle", "linear", "network"]
    for row in result["rows"]:
        for key in ("train_psnr", "heldout_psnr", "paper_train_psnr", "paper_heldout_psnr",
                    "seconds", "parameters", "background_mse"):
            assert key in row
        assert np.isfinite(row["train_psnr"]) and np.isfinite(row["heldout_psnr"])
    assert result["rows"][1]["paper_heldout_psnr"] == 20.2
    assert set(result["holds"]) == {"network_heldout_beats_linear_by_10db",
                                    "network_heldout_within_3db_of_train"}
    assert "| bias network (ActINR) |" in result["markdown"]
    json.dumps(result)


def test_fig9_rows_and_keys() -> None:
    result = paper.fig9(TINY)
    assert [r["activation"] for r in result["rows"]] == ["siren", "gauss", "wire"]
    assert result["rows"][0]["w0"] == 30.0
    for row in result["rows"]:
        for key in ("heldout_psnr", "background_mse", "background_psnr",
                    "background_psnr_heldout", "seconds"):
            assert key in row
        assert row["background_mse"] >= 0
    assert result["background_pixels"] > 0
    assert set(result["holds"]) == {"background_error_wire_lt_gauss_lt_siren",
                                    "heldout_background_error_wire_lt_gauss_lt_siren",
                                    "heldout_psnr_wire_gt_gauss_gt_siren"}
    assert result["markdown"].count("\n| ") == 4  # header + 3 rows (after the separator)
    json.dumps(result)


def test_cli_bench_paper(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(paper, "ToySettings", lambda: TINY)
    out = tmp_path / "fig9.json"
    assert main(["bench", "paper", "fig9", "--steps", "2", "--format", "json",
                 "-o", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["settings"]["steps"] == 2 and printed["settings"]["frames"] == TINY.frames
    assert json.loads(out.read_text())["benchmark"] == "paper-fig9"
    assert main(["bench", "paper", "table4", "--steps", "0"]) == 2
