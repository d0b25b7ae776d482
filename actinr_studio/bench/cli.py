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

    paper = sub.add_parser("paper", help="the paper's toy experiments (Table 4, Fig. 9)")
    paper_sub = paper.add_subparsers(dest="paper_bench", parser_class=type(paper),
                                     required=True)
    for name, text in (("table4", "oracle / interpolated per-frame biases vs the bias network"),
                       ("fig9", "SIREN vs Gauss vs WIRE: held-out PSNR, background error")):
        p = paper_sub.add_parser(name, help=text)
        p.add_argument("--steps", type=int, default=None,
                       help="training steps per model (default 1500)")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
        p.add_argument("--format", choices=("both", "json", "markdown"), default="both",
                       help="print JSON, the Markdown table, or both (JSON first)")
        p.add_argument("-o", "--output", help="also write the JSON here")

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
    elif args.bench == "paper":
        return _run_paper(args)
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


def _run_paper(args) -> int:
    from actinr_studio.bench import paper

    if args.steps is not None and args.steps < 1:
        raise UserError(f"--steps must be >= 1, got {args.steps}")
    if args.threads < 1:
        raise UserError(f"--threads must be >= 1, got {args.threads}")
    settings = paper.settings_with(steps=args.steps, seed=args.seed)
    bench = paper.table4 if args.paper_bench == "table4" else paper.fig9
    result = bench(settings, threads=args.threads)
    text = json.dumps(result, indent=2, default=str)
    if args.format in ("both", "json"):
        print(text)
    if args.format in ("both", "markdown"):
        print(("\n" if args.format == "both" else "") + result["markdown"])
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
