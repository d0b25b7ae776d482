"""The ``actinr-studio bench`` sub-commands; each prints its results as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from actinr_studio.errors import UserError

DEFAULT_QUALITY_CLIP = Path(__file__).resolve().parents[2].parent / "shared" / "clips" / "blackswan"


def add_bench_parsers(sub) -> None:
    train = sub.add_parser("train", help="training-step speed vs a complex64 reference")
    train.add_argument("--patch", type=int, default=96)
    train.add_argument("--hidden", type=int, default=36)
    train.add_argument("--points", type=int, default=1024, help="points per unit per step")
    train.add_argument("--no-compile", action="store_true")
    train.add_argument("--device", default="cpu")
    train.add_argument("-o", "--output", help="also write the JSON here")

    quality = sub.add_parser("quality", help="2x interpolation quality vs wall time")
    quality.add_argument("--clip", default=str(DEFAULT_QUALITY_CLIP))
    quality.add_argument("--frames", type=int, default=20)
    quality.add_argument("--scale", type=float, default=2.0)
    quality.add_argument("--factor", type=int, default=2)
    quality.add_argument("--budgets", default="60,180,600", help="seconds, comma separated")
    quality.add_argument("--device", default="auto")
    quality.add_argument("--seed", type=int, default=0)
    quality.add_argument("--config", help="JSON run config to use for ActINR")
    quality.add_argument("-o", "--output", help="also write the JSON here")

    gui = sub.add_parser("gui", help="event-loop latency and scrubbing speed (offscreen)")
    gui.add_argument("--seconds", type=float, default=20.0)
    gui.add_argument("-o", "--output", help="also write the JSON here")


def run_bench(args) -> int:
    if args.bench == "train":
        from actinr_studio.bench.train_speed import bench_train

        result = bench_train(patch=args.patch, hidden=args.hidden, points_per_unit=args.points,
                             compile=not args.no_compile, device=args.device)
    elif args.bench == "quality":
        from actinr_studio.bench.quality import bench_quality

        budgets = _parse_budgets(args.budgets)
        result = bench_quality(args.clip, frames=args.frames, scale=args.scale,
                               factor=args.factor, budgets=budgets, device=args.device,
                               seed=args.seed, config_path=args.config)
    else:
        import os

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        try:
            from actinr_studio.gui.bench import bench_gui
        except ImportError as exc:
            raise UserError(f"the GUI benchmark cannot start: {exc}") from None
        result = bench_gui(seconds=args.seconds)
    text = json.dumps(result, indent=2, default=str)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")
    return 0


def _parse_budgets(text: str) -> list[float]:
    try:
        budgets = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise UserError(f"--budgets must be seconds separated by commas, got {text!r}") from None
    if not budgets or any(b <= 0 for b in budgets):
        raise UserError(f"--budgets must be positive seconds, got {text!r}")
    return budgets
