"""Model files: round trip, exact resuming, refusal of foreign or damaged files, atomic writes."""

from __future__ import annotations

import pickle
from fractions import Fraction

import numpy as np
import pytest
import torch

from actinr_studio import checkpoint as ckpt
from actinr_studio.checkpoint import VideoFacts, load_checkpoint, save_checkpoint
from actinr_studio.config import RunConfig
from actinr_studio.errors import UserError
from actinr_studio.model import ActINR, ModelConfig
from actinr_studio.train import Supervision, TrainConfig, Trainer
from actinr_studio.train import events as ev
from actinr_studio.video import moving_disc

MODEL = ModelConfig(patch_size=8, hidden=4, gop=4, rff_features=8, latent_dim=4, overlap=True)
TRAIN = TrainConfig(steps=16, batch_pixels=512, late_from=1.0, eval_every=0, preview_every=0,
                    report_every=1, device="cpu", seed=5)
RUN = RunConfig(model=MODEL, train=TRAIN, task="interp-2")
FACTS = VideoFacts(8, 24, 40, Fraction(30000, 1001), "clip.mp4", first_frame=3, scale=2.0)


@pytest.fixture
def clip():
    return moving_disc(num_frames=8, height=24, width=40, radius=5)


def new_trainer(clip, model=None) -> Trainer:
    model = model or ActINR(MODEL, clip.height, clip.width, clip.num_frames)
    sup = Supervision(clip.frames, np.arange(8) % 2 == 0, scored_frames=np.ones(8, bool))
    return Trainer(model, sup, TRAIN)


def losses_of(events) -> list[tuple[int, float]]:
    return [(e.step, e.loss) for e in events if isinstance(e, ev.StepReport)]


def test_round_trip(tmp_path, clip) -> None:
    trainer = new_trainer(clip)
    list(trainer.run())
    path = save_checkpoint(tmp_path / "m.actinr", trainer.model, RUN, FACTS, step=trainer.step,
                           metrics={"psnr": 20.5, "none": None},
                           extra={"mask": torch.ones(2, 3, dtype=torch.bool)})
    assert path == tmp_path / "m.actinr"
    loaded = load_checkpoint(path)
    assert loaded.run == RUN
    assert loaded.video == FACTS
    assert isinstance(loaded.video.fps, Fraction) and loaded.video.fps == Fraction(30000, 1001)
    assert loaded.step == 16
    assert loaded.metrics == {"psnr": 20.5}
    assert torch.equal(loaded.extra["mask"], torch.ones(2, 3, dtype=torch.bool))
    assert loaded.trainer_state is None
    for frame, region, size in [(0, None, None), (3.3, (2, 3, 10, 7), (25, 13)), (7, None, None)]:
        assert torch.equal(loaded.model.render(frame, region, size),
                           trainer.model.render(frame, region, size))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.actinr"]


def test_video_facts_of_clip_and_dict_round_trip(clip) -> None:
    facts = VideoFacts.of_clip(clip)
    assert (facts.num_frames, facts.height, facts.width, facts.fps) == (8, 24, 40, Fraction(24))
    assert VideoFacts.from_dict(FACTS.to_dict()) == FACTS


def test_reload_gives_the_same_psnr(tmp_path, clip) -> None:
    trainer = new_trainer(clip)
    list(trainer.run())
    before = trainer.evaluate()
    save_checkpoint(tmp_path / "m.actinr", trainer.model, RUN, FACTS,
                    trainer_state=trainer.state_dict())
    loaded = load_checkpoint(tmp_path / "m.actinr")
    after = new_trainer(clip, loaded.model).evaluate()
    assert after.frame_psnr == before.frame_psnr
    assert after.train_psnr == before.train_psnr and after.heldout_psnr == before.heldout_psnr


def run_interrupted(tmp_path, clip, restore_sampler: bool) -> tuple[list, list]:
    """Losses of an uninterrupted 16-step run, and of 8 steps + save + load + 8 steps."""
    straight = losses_of(new_trainer(clip).run())
    first = new_trainer(clip)
    gen = first.run()
    events = [next(gen)]
    while not (isinstance(events[-1], ev.StepReport) and events[-1].step == 8):
        events.append(next(gen))
    events += list(_drain(gen, ev.Stop()))
    path = save_checkpoint(tmp_path / "half.actinr", first.model, RUN, FACTS, step=first.step,
                           trainer_state=first.state_dict())
    loaded = load_checkpoint(path)
    second = new_trainer(clip, loaded.model)
    second.load_state_dict(loaded.trainer_state)
    assert second.step == 8
    if restore_sampler:
        second.sampler.generator.set_state(first.sampler.generator.get_state())
    resumed = losses_of(events) + losses_of(second.run())
    return straight, resumed


def _drain(gen, command):
    yield gen.send(command)
    yield from gen


def test_resume_is_exact_given_the_sampler_state(tmp_path, clip) -> None:
    """Model, optimizer and step counters resume exactly (the sampler state handed over)."""
    straight, resumed = run_interrupted(tmp_path, clip, restore_sampler=True)
    assert [s for s, _ in resumed] == list(range(1, 17))
    assert resumed == straight


def test_resume_from_a_checkpoint_continues_the_same_loss_sequence(tmp_path, clip) -> None:
    straight, resumed = run_interrupted(tmp_path, clip, restore_sampler=False)
    assert resumed == straight


# ------------------------------------------------------------------------------ refusals
def saved(tmp_path, clip) -> bytes:
    model = ActINR(MODEL, 24, 40, 8)
    return save_checkpoint(tmp_path / "good.actinr", model, RUN, FACTS).read_bytes()


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda good: b"hello, this is not a model\n", id="text"),
        pytest.param(lambda good: np.random.default_rng(0).bytes(5000), id="random-bytes"),
        pytest.param(lambda good: b"", id="empty"),
        pytest.param(lambda good: good[: len(good) // 2], id="truncated-half"),
        pytest.param(lambda good: good[:-30], id="truncated-end"),
        pytest.param(lambda good: good[:100], id="truncated-start"),
    ],
)
def test_refuses_damaged_or_foreign_files(tmp_path, clip, make) -> None:
    bad = tmp_path / "bad.actinr"
    bad.write_bytes(make(saved(tmp_path, clip)))
    with pytest.raises(UserError):
        load_checkpoint(bad)


class _Evil:
    def __reduce__(self):
        return (print, ("code ran",))


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"format": "something-else", "version": 1}, id="other-format"),
        pytest.param(torch.zeros(3), id="a-tensor"),
        pytest.param({"weights": torch.zeros(3)}, id="a-state-dict"),
        pytest.param({"format": ckpt.FORMAT, "version": ckpt.VERSION + 1}, id="newer-version"),
        pytest.param({"format": ckpt.FORMAT, "version": ckpt.VERSION}, id="missing-keys"),
        pytest.param([1, 2, 3], id="a-list"),
    ],
)
def test_refuses_torch_files_of_another_format(tmp_path, payload) -> None:
    path = tmp_path / "other.pt"
    torch.save(payload, path)
    with pytest.raises(UserError):
        load_checkpoint(path)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_refuses_pickles_that_would_run_code(tmp_path, capsys) -> None:
    path = tmp_path / "evil.actinr"
    torch.save({"format": ckpt.FORMAT, "evil": _Evil()}, path)
    with pytest.raises(UserError):
        load_checkpoint(path)
    plain = tmp_path / "evil.pkl"
    plain.write_bytes(pickle.dumps(_Evil()))
    with pytest.raises(UserError):
        load_checkpoint(plain)
    assert "code ran" not in capsys.readouterr().out


def test_refuses_a_state_dict_that_does_not_fit_the_config(tmp_path) -> None:
    model = ActINR(MODEL, 24, 40, 8)
    wrong = VideoFacts(8, 48, 40)  # a different frame size means a different unit count
    path = save_checkpoint(tmp_path / "m.actinr", model, RUN, wrong)
    with pytest.raises(UserError):
        load_checkpoint(path)


def test_missing_file_and_folder(tmp_path) -> None:
    with pytest.raises(UserError):
        load_checkpoint(tmp_path / "nope.actinr")
    with pytest.raises(UserError):
        save_checkpoint(tmp_path / "no" / "m.actinr", ActINR(MODEL, 24, 40, 8), RUN, FACTS)


# ------------------------------------------------------------------------------ atomicity
def test_a_failing_save_leaves_the_previous_file_intact(tmp_path, monkeypatch) -> None:
    path = save_checkpoint(tmp_path / "m.actinr", ActINR(MODEL, 24, 40, 8), RUN, FACTS)
    good = path.read_bytes()
    real_save = torch.save

    def failing_save(obj, handle, *args, **kwargs):
        handle.write(b"partial garbage")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", failing_save)
    other = ActINR(ModelConfig(patch_size=8, hidden=4, gop=4, rff_features=8, latent_dim=4,
                               seed=9), 24, 40, 8)
    with pytest.raises(OSError):
        save_checkpoint(path, other, RUN, FACTS)
    monkeypatch.setattr(torch, "save", real_save)
    assert path.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.actinr"]
    assert load_checkpoint(path).run == RUN


def test_a_slow_motion_fit_saves_the_gop_fitted_to_its_training_frames(tmp_path, clip) -> None:
    from actinr_studio.fit import FitRequest, run_fit
    from actinr_studio.video import write_clip

    long_clip = moving_disc(num_frames=13, height=24, width=40, radius=5)
    video = tmp_path / "disc.mkv"
    write_clip(video, long_clip.frames, long_clip.fps, codec="lossless")
    config = tmp_path / "run.json"
    RunConfig(model=MODEL, train=TRAIN).save_json(config)  # GOP 4
    out = tmp_path / "model.pt"
    run_fit(FitRequest(str(video), str(out), task="interp-3", steps=4, device="cpu",
                       config=str(config)), progress=False)
    loaded = load_checkpoint(out)
    # Every 3rd frame trains: GOPs of 6 frames [0, 6], [6, 12] start and end on one.
    assert loaded.model.config.gop == 6
    assert loaded.run.model.gop == 6
    assert loaded.model.gops.count == 2
