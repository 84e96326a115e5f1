"""``python -m interp {data,train,study,init,export,accept,calibrate,bench}`` (also the ``interp`` console script).

Exit status: 0 passed, 1 a check failed (``study``), 2 bad input or usage (one line ``interp: error: …`` naming
the thing and the fix, and no results written), 3 an internal error (with its traceback), 130 interrupted
(SIGINT, Ctrl-C), 143 terminated (SIGTERM). SIGTERM is handled like SIGINT: the run's hidden staging folder is
removed, the results tree stays the previous run's (or is this run's, when it was published before the
signal), and the last line says which. Data that can be used but look wrong are told as one line each,
``interp: warning: …``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import signal
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

from interp.config import HORIZONS_HOURS, TARGET, DataConfig, StudyConfig, TrainConfig
from interp.data.accounting import MAX_DROPPED_SHARE
from interp.errors import ConfigError, DataWarning, InterpError
from interp.runtime import single_threaded


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the process is, so that it unwinds (and cleans up) exactly as after Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    args.written = None
    single_threaded()
    try:
        with _sigterm_as_interrupt(), warnings.catch_warnings():
            warnings.simplefilter("always", DataWarning)
            warnings.showwarning = _show_warning
            return args.run(args)
    except InterpError as exc:
        print(f"interp: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        signum = exc.signum if isinstance(exc, Terminated) else signal.SIGINT
        what = "terminated (SIGTERM)" if signum == signal.SIGTERM else "interrupted"
        print(f"interp: {what}; {args.on_disk(args)}", file=sys.stderr)
        return 128 + int(signum)
    except Exception as exc:  # an internal error, told apart from a failed check (1) and bad input (2)
        import traceback

        traceback.print_exc()
        print(f"interp: internal error ({type(exc).__name__}): {exc}. Please report it.", file=sys.stderr)
        return 3


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Print a :class:`DataWarning` as one line, any other warning as Python does."""
    if issubclass(category, DataWarning):
        print(f"interp: warning: {message}", file=sys.stderr)
    else:
        print(warnings.formatwarning(message, category, filename, lineno, line), end="", file=sys.stderr)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` (the previous handler is restored after)."""

    def handler(signum: int, frame: object) -> None:
        raise Terminated(signum)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _nothing_said(args: argparse.Namespace) -> str:
    return "files it wrote before that are kept."


def _file_on_disk(args: argparse.Namespace) -> str:
    """What an interrupted ``train`` or ``data`` left at ``--out`` (both write one file, atomically)."""
    if args.written is not None:
        return f"{args.written} was written before that."
    if args.out.exists():
        return f"nothing was written: {args.out} is unchanged."
    return "nothing was written."


def _tree_on_disk(args: argparse.Namespace) -> str:
    """What an interrupted ``study`` left under ``--out``: this run's tree, the previous one, or none."""
    from interp.report import TREE

    tree = args.out / TREE
    if args.written is not None:
        return f"this run's results tree {tree} was written before that."
    if not tree.exists():
        return f"nothing was written: there is no results tree in {args.out}."
    if getattr(args, "tree_before", _identity(tree)) == _identity(
        tree
    ):  # not recorded: the run did nothing yet
        return f"nothing of this run was written: {tree} is the previous run's, unchanged."
    return f"this run's results tree {tree} was written before that."


def _identity(path: Path) -> tuple[int, int] | None:
    """``(device, inode)`` of ``path`` (a renamed-in tree has a new one), None when it does not exist."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _writable_folder(path: Path, option: str) -> Path:
    """``path`` checked before any work: an existing folder this process can write in, or one it can create.

    Raises
    ------
    ConfigError
        When ``path`` (or the folder it would be created in) is a file or cannot be written.
    """
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(
            f"{option} expects a folder. Found a file at {existing}. Pass a folder, e.g. {option} results."
        )
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise ConfigError(
            f"{option} expects a folder it can write in. Found {existing} not writable ({exc.strerror}). "
            f"Pass another {option}, or make it writable."
        ) from None
    return path


def _writable_file(path: Path, option: str) -> Path:
    """``path`` checked before any work: a file this process can create or replace (not a folder)."""
    if path.is_dir():
        raise ConfigError(
            f"{option} expects a file name. Found a folder at {path}. Pass a file inside it, e.g. "
            f"{option} {path / 'name'}."
        )
    _writable_folder(path.parent, f"{option} {path}: its folder")
    return path


def _at_least(value: int, least: int, option: str) -> int:
    if value < least:
        raise ConfigError(
            f"{option} expects a whole number ≥ {least}. Found {value}. Pass e.g. {option} {least}."
        )
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m interp", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(
        required=True, metavar="{data,train,study,init,export,accept,calibrate,bench}"
    )

    data = sub.add_parser("data", help="write the embedded data as a CSV in the loader's format")
    data.add_argument("--out", required=True, type=Path, help="CSV file to write")
    data.add_argument("--days", type=int, default=DataConfig.days)
    data.add_argument("--seed", type=int, default=DataConfig.seed)
    data.set_defaults(run=_data, on_disk=_file_on_disk)

    train = sub.add_parser("train", help="train one checkpoint (deterministic)")
    train.add_argument("--horizon", required=True, type=int, choices=HORIZONS_HOURS, help="hours ahead")
    train.add_argument("--model-type", default="cnn_lstm", choices=("cnn_lstm", "lstm"))
    train.add_argument(
        "--model",
        help="your own CNN-LSTM class, package.module:Class (constructor: n_features, horizon_steps)",
    )
    train.add_argument("--data", type=Path, help="your CSV (default: the embedded data)")
    _csv_options(train, target=True)
    train.add_argument("--lookback", type=float, default=DataConfig.lookback_hours, help="hours (default 24)")
    train.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    train.add_argument("--seed", type=int, default=TrainConfig.seed)
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument("--out", required=True, type=Path, help="checkpoint file to write (.pt)")
    train.set_defaults(run=_train, on_disk=_file_on_disk)

    study = sub.add_parser("study", help="write the results tree (plots, metrics, gallery) without pytest")
    study.add_argument("--horizon", default="all", help="1, 24 or all (default all)")
    source = study.add_mutually_exclusive_group()
    source.add_argument("--checkpoint", type=Path, help="one cnn_lstm checkpoint (one horizon)")
    source.add_argument("--checkpoint-dir", type=Path, help="folder with cnn_lstm_h{H}.pt (+ lstm_h{H}.pt)")
    study.add_argument("--model", help="your model class, package.module:Class")
    study.add_argument("--data", type=Path, help="your CSV (default: the embedded data)")
    _csv_options(study, target=False)
    study.add_argument("--device", default="cpu")
    study.add_argument("--tsne", action="store_true", help="also compute the slow t-SNE embedding")
    study.add_argument("--out", type=Path, default=Path("results"), help="results root (default results/)")
    _baselines_option(study)
    study.set_defaults(run=_study, on_disk=_tree_on_disk)

    init = sub.add_parser("init", help="scaffold a gate folder: checks/, baselines/, results/, conftest.py")
    init.add_argument("folder", type=Path, help="the folder to create (or fill)")
    init.add_argument("--force", action="store_true", help="overwrite existing gate files")
    init.set_defaults(run=_init, on_disk=_nothing_said)

    export = sub.add_parser("export", help="turn a model trained elsewhere into a checkpoint")
    export.add_argument("--model", required=True, help="your CNN-LSTM class, package.module:Class")
    export.add_argument("--state-dict", required=True, type=Path, help="its state_dict (torch.save), .pt")
    export.add_argument("--data", required=True, type=Path, help="the CSV it was trained on")
    _csv_options(export, target=True)
    export.add_argument("--horizon", required=True, type=int, choices=HORIZONS_HOURS, help="hours ahead")
    export.add_argument(
        "--lookback", type=float, default=DataConfig.lookback_hours, help="hours (default 24)"
    )
    export.add_argument(
        "--scaler",
        type=Path,
        help='JSON {"mean": {feature: value}, "scale": {feature: value}} the model was trained with '
        "(default: fitted on the training rows, as interp train does)",
    )
    export.add_argument("--out", required=True, type=Path, help="checkpoint file to write (.pt)")
    export.set_defaults(run=_export, on_disk=_file_on_disk)

    accept = sub.add_parser(
        "accept",
        help="make a retrain the accepted baseline: checkpoints, manifest, images, snapshots, calibration",
    )
    accept.add_argument(
        "--checkpoint-dir",
        type=Path,
        help="folder with the new cnn_lstm_h{1,24}.pt (+ lstm_h{H}.pt); omit to redraw",
    )
    accept.add_argument("--why", required=True, help="why the baselines change (recorded in MANIFEST.json)")
    accept.add_argument("--force", action="store_true", help="accept even when a health invariant fails")
    accept.add_argument(
        "--skip-calibration",
        action="store_true",
        help="keep calibration.json (the drift tier fails until recalibrated)",
    )
    _baselines_option(accept)
    _model_data_options(accept)
    accept.set_defaults(run=_accept, on_disk=_nothing_said)

    calibrate = sub.add_parser(
        "calibrate", help="train the healthy ensemble and write baselines/calibration.json"
    )
    calibrate.add_argument(
        "--jobs", type=int, default=None, help="worker processes (default: cores, at most 4)"
    )
    calibrate.add_argument(
        "--keep",
        type=Path,
        help="keep the ensemble's checkpoints in this folder (and reuse those trained before)",
    )
    calibrate.add_argument(
        "--rederive",
        action="store_true",
        help="recompute the bounds from the stored ensemble values after a declaration changed (no training)",
    )
    calibrate.add_argument("--members", type=int, help="train only the first N members of the ensemble")
    _baselines_option(calibrate)
    _model_data_options(calibrate)
    calibrate.set_defaults(run=_calibrate, on_disk=_nothing_said)

    bench = sub.add_parser("bench", help="time the floor, analyses and plots; peak RSS; Captum comparison")
    bench.add_argument("--horizon", default="all", help="1, 24 or all (default all)")
    bench.add_argument(
        "--calibrate", action="store_true", help="also time `interp calibrate` (several minutes)"
    )
    bench.add_argument("--no-scaling", action="store_true", help="skip the scaling table (about 6 minutes)")
    bench.add_argument("--no-gate", action="store_true", help="skip timing `pytest checks` (about 3 minutes)")
    bench.set_defaults(run=_bench, on_disk=_nothing_said)
    return parser


def _baselines_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--baselines",
        type=Path,
        default=None,
        help="the accepted baseline folder: checkpoints/, images/, snapshots/, MANIFEST.json, calibration.json "
        "(default: the project's baselines/)",
    )


def _model_data_options(parser: argparse.ArgumentParser) -> None:
    """The options saying which horizons, model class and data the accepted baseline belongs to."""
    parser.add_argument("--horizon", default="all", help="1, 24 or all (default all)")
    parser.add_argument("--model", help="your model class, package.module:Class")
    parser.add_argument("--data", type=Path, help="your CSV (default: the embedded data)")
    _csv_options(parser, target=True)


def _gate_pytest_args(args: argparse.Namespace) -> list[str]:
    """The same choices as pytest options, for the redraw run of ``accept``."""
    out = [f"--horizon={h}" for h in _horizons(args)]
    for flag, value in (
        ("--model", args.model),
        ("--data", args.data.resolve() if args.data else None),
        ("--timestamp", args.timestamp if args.data else None),
        ("--target", args.target if args.data else None),
        ("--features", ",".join(args.features) if args.features else None),
        ("--regime-bounds", args.regime_bounds),
        ("--timestamp-format", args.timestamp_format),
        ("--resolution", args.resolution),
    ):
        if value is not None:
            out.append(f"{flag}={value}")
    return [*out, *(["--allow-gaps"] if args.allow_gaps else [])]


def _horizons(args: argparse.Namespace) -> tuple[int, ...]:
    from interp.suite import validate_horizons

    return validate_horizons([args.horizon])


def _baselines(args: argparse.Namespace) -> Path:
    from interp.suite import BASELINES

    return args.baselines.resolve() if args.baselines else BASELINES


def _csv_options(parser: argparse.ArgumentParser, *, target: bool) -> None:
    parser.add_argument(
        "--timestamp", default="timestamp", help="timestamp column of --data (default timestamp)"
    )
    if target:
        parser.add_argument("--target", default=TARGET, help=f"target column of --data (default {TARGET})")
    parser.add_argument(
        "--features",
        type=_column_list,
        help="comma-separated feature columns of --data, in order (default: all)",
    )
    parser.add_argument(
        "--regime-bounds",
        metavar="LOW,HIGH",
        help="CO2 regime bounds in ppm: Low < LOW ≤ Medium < HIGH ≤ High (default 800,1200, or the checkpoint's)",
    )
    parser.add_argument(
        "--timestamp-format",
        help="strftime pattern of --data's timestamps when they are not ISO 8601, e.g. '%%d/%%m/%%Y %%H:%%M'",
    )
    parser.add_argument(
        "--resolution",
        help="average --data's rows onto a regular grid of this step, e.g. 5min or 1h (default: the file's own "
        "step, which must be regular)",
    )
    parser.add_argument(
        "--allow-gaps",
        action="store_true",
        help=f"use --data even when its gaps cost more than {MAX_DROPPED_SHARE * 100:g} %% of the windows",
    )


def _column_list(text: str) -> tuple[str, ...]:
    columns = tuple(c.strip() for c in text.split(",") if c.strip())
    if not columns:
        raise argparse.ArgumentTypeError("expected comma-separated column names, e.g. co2,temperature")
    return columns


def _sources(args: argparse.Namespace, **fields: object):
    """The study's or training's :class:`~interp.suite.Sources` from the command line."""
    from interp.suite import Sources, parse_regime_bounds

    csv = {
        "timestamp": args.timestamp,
        "features": args.features,
        "timestamp_format": args.timestamp_format,
        "resolution": args.resolution,
        "max_dropped_share": 1.0 if args.allow_gaps else MAX_DROPPED_SHARE,
    }
    if getattr(args, "target", None):
        csv["target"] = args.target
    bounds = parse_regime_bounds(args.regime_bounds)
    return Sources(data=args.data, **csv, regime_bounds=bounds, **fields)


def _data(args: argparse.Namespace) -> int:
    from interp.data.csv import write_csv
    from interp.data.synthetic import indoor_co2

    _writable_file(args.out, "--out")
    _at_least(args.days, 1, "--days")
    _at_least(args.seed, 0, "--seed")
    args.written = write_csv(indoor_co2(days=args.days, seed=args.seed), args.out)
    print(f"wrote {args.written}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from interp.models.checkpoint import save_checkpoint
    from interp.suite import load_dataset
    from interp.training import train

    if args.out.suffix != ".pt":
        raise ConfigError(f"--out expects a .pt file. Found {str(args.out)!r}. Pass e.g. --out model_h24.pt.")
    _writable_file(args.out, "--out")
    _at_least(args.epochs, 1, "--epochs")
    config = TrainConfig(epochs=args.epochs, seed=args.seed)
    sources = _sources(args, model_class=args.model)
    data_config = DataConfig(
        lookback_hours=args.lookback,
        **({"regime_bounds": sources.regime_bounds} if sources.regime_bounds else {}),
    )
    dataset = load_dataset(sources, args.horizon, data_config)
    print(f"data: {dataset.data_report.line()}")
    result = train(args.model_type, dataset, config, quiet=args.quiet, model_class=args.model)
    path = save_checkpoint(
        args.out,
        result.model,
        dataset,
        training=dataclasses.asdict(config),
        data=dataclasses.asdict(data_config),
        metrics=result.metrics(),
    )
    args.written = path
    print(f"wrote {path}")
    return 0


def _study(args: argparse.Namespace) -> int:
    from interp.report import TREE, remove_stale, results_lock
    from interp.suite import validate_horizons

    horizons = validate_horizons([args.horizon])
    root = _writable_folder(args.out, "--out")
    if (root / TREE).exists() and not (root / TREE).is_dir():
        raise ConfigError(
            f"--out expects a folder for the results tree {TREE}/. Found a file at {root / TREE}. "
            f"Move it away, or pass another --out."
        )
    with results_lock(root, " ".join(["python", "-m", "interp", *sys.argv[1:]])):
        remove_stale(root)  # before noting which tree is there: it may put back one a killed run stranded
        args.tree_before = _identity(root / TREE)
        return _run_study(args, horizons)


def _run_study(args: argparse.Namespace, horizons: tuple[int, ...]) -> int:
    """``interp study`` once its ``--out`` is checked and locked."""
    import functools

    from interp.gate.outcome import summary_line
    from interp.gate.run import GateRun, checks_of_item
    from interp.report import write_study
    from interp.suite import torch_device

    torch_device(args.device)
    sources = _sources(
        args,
        model_class=args.model,
        device=args.device,
        study=StudyConfig(tsne=args.tsne),
        checkpoint_dir=args.checkpoint_dir or _baselines(args) / "checkpoints",
    )
    if args.checkpoint is not None:
        if len(horizons) != 1:
            raise ConfigError(
                "--checkpoint studies one model, so expects --horizon 1 or --horizon 24. "
                "Found --horizon all. Add --horizon, or use --checkpoint-dir for both."
            )
        sources = dataclasses.replace(sources, checkpoint=args.checkpoint)
    gate = GateRun(sources, _baselines(args))
    studies = {h: gate.study(h) for h in horizons}
    for h in horizons:
        gate.baseline(h)  # a baseline that cannot be compared is bad input: fail before any work
    index, run = write_study(
        studies,
        args.out,
        functools.partial(checks_of_item, gate),
        provenance=gate.provenance(horizons, ["python", "-m", "interp", *sys.argv[1:]]),
    )
    args.written = index
    for outcome in run.failed():
        print(f"FAILED {summary_line(outcome)}", file=sys.stderr)
    counts = run.counts()
    print(
        "; ".join(
            f"{tier}: " + ", ".join(f"{n} {status}" for status, n in by.items() if n)
            for tier, by in counts.items()
        )
    )
    print(f"{'FAILED' if run.status == 'failed' else 'passed'}: report {index.resolve()}")
    return 1 if run.status == "failed" else 0


def _init(args: argparse.Namespace) -> int:
    from interp.scaffold import init

    written = init(args.folder, force=args.force)
    print(f"wrote {len(written)} files into {args.folder}")
    print(
        f"next: train or export cnn_lstm_h1.pt and cnn_lstm_h24.pt, then in {args.folder}: "
        f'`interp accept --checkpoint-dir DIR --why "first baseline"` and `pytest checks`'
    )
    return 0


def _export(args: argparse.Namespace) -> int:
    import json

    import numpy as np
    import torch

    from interp.config import DataConfig
    from interp.data.windows import Scaler
    from interp.errors import CheckpointError, ConfigError
    from interp.models.checkpoint import export_checkpoint, resolve_model_class

    if args.out.suffix != ".pt":
        raise ConfigError(f"--out expects a .pt file. Found {str(args.out)!r}. Pass e.g. --out model_h24.pt.")
    sources = _sources(args)
    frame = sources.read_data()
    features = tuple(map(str, frame.columns))
    scaler = None
    if args.scaler is not None:
        try:
            raw = json.loads(args.scaler.read_text(encoding="utf-8"))
            mean = np.array([float(raw["mean"][f]) for f in features])
            scale = np.array([float(raw["scale"][f]) for f in features])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"--scaler {args.scaler}: expected JSON with a mean and a scale for each of {list(features)}. "
                f"Found {type(exc).__name__}: {exc}. Write one value per feature."
            ) from None
        scaler = Scaler(features, mean, scale, features.index(sources.target))
    try:
        state = torch.load(args.state_dict, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(
            f"{args.state_dict}: expected a state_dict saved with torch.save. Found a file torch cannot load "
            f"safely ({type(exc).__name__}). Save model.state_dict() with torch.save."
        ) from None
    state = state.get("state_dict", state) if isinstance(state, dict) else state
    steps = round(args.horizon * pd_steps_per_hour(frame))
    model = resolve_model_class(args.model)(n_features=len(features), horizon_steps=steps)
    try:
        model.load_state_dict(state)
    except (RuntimeError, TypeError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise CheckpointError(
            f"{args.state_dict}: expected weights that fit {args.model}(n_features={len(features)}, "
            f"horizon_steps={steps}). Found a mismatch: {first[:200]}. Export with the class and data it was "
            f"trained with."
        ) from None
    config = DataConfig(
        lookback_hours=args.lookback,
        **({"regime_bounds": sources.regime_bounds} if sources.regime_bounds else {}),
    )
    path = export_checkpoint(
        args.out,
        model,
        frame,
        args.horizon,
        target=sources.target,
        scaler=scaler,
        config=config,
        source=str(args.data),
    )
    print(f"wrote {path}")
    return 0


def pd_steps_per_hour(frame) -> float:
    """Steps per hour of a loaded frame (its ``attrs["resolution"]``)."""
    import pandas as pd

    from interp.data.windows import infer_resolution

    resolution = frame.attrs.get("resolution") or infer_resolution(frame.index)
    return pd.Timedelta(hours=1) / resolution


def _accept(args: argparse.Namespace) -> int:
    from interp import catalog
    from interp.errors import CheckpointError
    from interp.gate import accept
    from interp.gate.calibration import calibrate, default_jobs
    from interp.gate.drift import Calibration, run_drift
    from interp.gate.outcome import run_invariant, summary_line
    from interp.suite import baseline_study, checkpoint_name, load_study

    accept.refuse_in_ci()
    baselines = _baselines(args)
    horizons = _horizons(args)
    sources = _sources(args, model_class=args.model)
    if args.checkpoint_dir is not None:
        files = accept.candidate_files(args.checkpoint_dir, horizons)
        candidate = dataclasses.replace(sources, checkpoint_dir=args.checkpoint_dir)
        calibration = Calibration.read(baselines)
        unhealthy = []
        for hours in horizons:
            study = load_study(candidate, hours)
            baseline = None
            if not (baselines / "checkpoints" / checkpoint_name("cnn_lstm", hours)).is_file():
                print(f"  h{hours}: the first accepted baseline (nothing to compare with)")
            else:
                try:
                    baseline = baseline_study(study, baselines / "checkpoints", candidate)
                except CheckpointError as exc:
                    print(f"  h{hours}: no drift against the old baseline: {exc}")
            for item in catalog.items():
                for invariant in item.invariants:
                    outcome = run_invariant(invariant, item, study)
                    if outcome.status == "failed":
                        unhealthy.append(summary_line(outcome))
                for drift in item.drift if baseline is not None else ():
                    outcome = run_drift(drift, item, study, baseline, calibration)
                    print(f"  {outcome.status:7s} {summary_line(outcome)}")
        if unhealthy and not args.force:
            for line in unhealthy:
                print(f"FAILED {line}", file=sys.stderr)
            from interp.errors import ConfigError

            raise ConfigError(
                f"{args.checkpoint_dir}: expected healthy models to accept. Found {len(unhealthy)} failed health "
                f"invariant(s) (listed above). Fix the model, or pass --force and say why in --why."
            )
        accept.install(files, baselines)
        print(f"copied {', '.join(p.name for p in files)} into {baselines / 'checkpoints'}")
    manifest = accept.write_manifest(baselines, args.why)
    print(f"wrote {manifest}")
    changes = accept.redraw(baselines, extra=_gate_pytest_args(args))
    print(f"exact tier redrawn: {len(changes)} file(s) changed")
    for line in changes:
        print(f"  {line}")
    if args.checkpoint_dir is not None and not args.skip_calibration:
        print(f"wrote {calibrate(baselines, horizons, sources=sources, jobs=default_jobs())}")
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from interp.gate.calibration import calibrate, default_jobs, ensemble_for, rederive

    if args.rederive:
        path = rederive(_baselines(args))
    else:
        sources = _sources(args, model_class=args.model)
        members = ensemble_for(sources)[: args.members] if args.members else None
        path = calibrate(
            _baselines(args),
            _horizons(args),
            sources=sources,
            members=members,
            jobs=args.jobs or default_jobs(),
            keep=args.keep,
        )
    print(f"wrote {path}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from interp.bench import run_bench
    from interp.suite import validate_horizons

    return run_bench(
        validate_horizons([args.horizon]),
        calibrate=args.calibrate,
        scaling=not args.no_scaling,
        gate=not args.no_gate,
    )


if __name__ == "__main__":
    raise SystemExit(main())
