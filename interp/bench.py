"""``make bench``: where the time and memory go (DESIGN §9). Benchmarks, never timed tests.

Prints, per horizon: the floor (2 forward+backward and 4 forward passes over the evaluation set), the
study's passes, analysis time per section, plot time per figure, our attributions against Captum's, then the
peak RSS and the wall time of the whole gate (``pytest checks``, both horizons, in a subprocess) against the
budgets: gate ≤ 60 s, analyses ≤ 3× floor, plots ≤ 0.3 s each, RSS ≤ 1.5 GB.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from interp import catalog
from interp.gate.outcome import run_invariant
from interp.plots.style import draw_styled, png_bytes
from interp.runtime import peak_rss
from interp.study import Study
from interp.suite import Sources, load_study

BUDGET_GATE_S = 60.0
BUDGET_ANALYSIS_FLOORS = 3.0
BUDGET_PLOT_S = 0.3
BUDGET_RSS_GB = 1.5


def _timed(fn: Callable[[], object], repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def floor_seconds(study: Study) -> float:
    """2 forward+backward and 4 forward passes of the model over the evaluation set (best of 3)."""
    model, x = study.model, study.dataset.test.x

    def passes() -> None:
        for _ in range(2):
            inputs = x.clone().requires_grad_(True)
            torch.autograd.grad(model(inputs)[:, -1].sum(), inputs)
        with torch.no_grad():
            for _ in range(4):
                model(x)

    return _timed(passes, repeat=3)


CAPTUM_WINDOWS = 512
"""Windows of the single-call attribution comparison (the first of the evaluation set)."""

BUDGET_CAPTUM_RATIO = 0.7
"""Each single attribution call takes at most this share of Captum's time for the same numbers."""


def captum_comparison(study: Study) -> list[dict[str, object]] | None:
    """Each single-call attribution of :mod:`interp.attribution` against Captum's on the same windows.

    Rows ``{method, ours_s, captum_s, ratio, max_abs_diff}`` (best of 3 each): ``saliency`` against
    ``Saliency(abs=False)``, ``guided_backprop`` against ``GuidedBackprop``, ``layer_gradients`` (conv1, conv2 and
    pool outputs in one call) against the three ``LayerGradientXActivation(multiply_by_inputs=False)`` calls it
    replaces. None without Captum (a test-only dependency).
    """
    try:
        from captum.attr import GuidedBackprop, LayerGradientXActivation, Saliency
    except ImportError:
        return None
    from interp import attribution
    from interp.hooks import find_layers

    model, x = study.model, study.dataset.test.x[:CAPTUM_WINDOWS]
    target = study.dataset.horizon_steps - 1
    found = find_layers(model)
    layers = {"conv1": found.conv1, "conv2": found.conv2, "pool": found.pool}

    def captum_input() -> torch.Tensor:
        return x.clone().requires_grad_(True)

    def captum_layers() -> dict[str, np.ndarray]:
        return {
            name: LayerGradientXActivation(model, layer, multiply_by_inputs=False)
            .attribute(captum_input(), target=target)
            .detach()
            .numpy()
            for name, layer in layers.items()
        }

    methods: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "saliency": (
            lambda: attribution.saliency(model, x, target),
            lambda: Saliency(model).attribute(captum_input(), target=target, abs=False).detach().numpy(),
        ),
        "guided_backprop": (
            lambda: attribution.guided_backprop(model, x, target),
            lambda: GuidedBackprop(model).attribute(captum_input(), target=target).detach().numpy(),
        ),
        "layer_gradients": (lambda: attribution.layer_gradients(model, x, target), captum_layers),
    }
    rows = []
    for method, (ours_fn, theirs_fn) in methods.items():
        out: dict[str, object] = {}
        ours_s = _timed(lambda fn=ours_fn, out=out: out.update(ours=fn()), repeat=3)
        with warnings.catch_warnings():  # Captum warns on every call (input grads, ReLU hooks)
            warnings.simplefilter("ignore", UserWarning)
            captum_s = _timed(lambda fn=theirs_fn, out=out: out.update(theirs=fn()), repeat=3)
        ours, theirs = out["ours"], out["theirs"]
        pairs = [(ours[k], theirs[k]) for k in theirs] if isinstance(theirs, dict) else [(ours, theirs)]
        diff = max(float(np.max(np.abs(a - b))) for a, b in pairs)
        rows.append(
            {
                "method": method,
                "ours_s": ours_s,
                "captum_s": captum_s,
                "ratio": ours_s / captum_s,
                "max_abs_diff": diff,
            }
        )
    return rows


SCALING = {"1h": (180, 360, 720), "5min": (30, 46, 78)}
"""Days of embedded data per resolution for the scaling table: about ×1, ×2 and ×4 the evaluation windows
(1 h: 599, 1,247, 2,543 windows of 24 steps; 5 min: 697, 1,388, 2,771 windows of 288 steps)."""


def scaling_point(resolution: str, days: int) -> dict[str, float]:
    """One study (passes + every item's metrics and invariants) on ``days`` of embedded data, in this process.

    The model is the reference architecture at a seeded random initialisation (the passes' and analyses' cost
    does not depend on the weights); horizon 1 h, default lookback (24 h), one thread. Returns the windows, the
    lookback, the peak RSS after loading the data and after the study (GB), and the study's wall time.
    """
    from interp.config import DataConfig
    from interp.data.synthetic import indoor_co2
    from interp.data.windows import make_dataset
    from interp.models import CNNLSTMForecaster
    from interp.runtime import single_threaded

    single_threaded()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = make_dataset(indoor_co2(days=days, seed=0, resolution=resolution), 1, DataConfig(days=days))
        data_gb = _peak_rss_gb()
        torch.manual_seed(0)
        model = CNNLSTMForecaster(len(dataset.feature_names), dataset.horizon_steps).eval()
        start = time.perf_counter()
        study = Study(model, dataset, 1)
        for item in catalog.items():
            item.metrics(study)
            for invariant in item.invariants:
                run_invariant(invariant, item, study)
        seconds = time.perf_counter() - start
    return {
        "windows": len(dataset.test.x),
        "lookback": int(dataset.lookback_steps),
        "data_rss_gb": data_gb,
        "peak_rss_gb": _peak_rss_gb(),
        "study_s": seconds,
    }


def scaling_table() -> list[dict[str, object]]:
    """:func:`scaling_point` of every :data:`SCALING` entry, each in a fresh process (peak RSS is per process)."""
    rows = []
    for resolution, days_list in SCALING.items():
        for days in days_list:
            code = (
                "import json, sys; from interp.bench import scaling_point; "
                "print(json.dumps(scaling_point(sys.argv[1], int(sys.argv[2]))))"
            )
            proc = subprocess.run(
                [sys.executable, "-c", code, resolution, str(days)],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                rows.append(
                    {"resolution": resolution, "days": days, "error": proc.stderr.strip().splitlines()[-1:]}
                )
                continue
            rows.append(
                {"resolution": resolution, "days": days, **json.loads(proc.stdout.strip().splitlines()[-1])}
            )
    return rows


def _peak_rss_gb() -> float:
    return peak_rss() / 1024**3


def print_scaling(rows: list[dict[str, object]]) -> None:
    """The scaling table, and whether each resolution's peak RSS stays within budget and grows ≤ 10 % per ×2."""
    print(
        "scaling: study (passes + all analyses) of an untrained reference model, fresh process each, 1 thread"
    )
    print(
        f"  {'data':<6}{'days':>5}{'windows':>9}{'lookback':>9}{'data RSS':>10}{'peak RSS':>10}{'study':>9}"
    )
    for row in rows:
        if "error" in row:
            print(f"  {row['resolution']:<6}{row['days']:>5}  failed: {row['error']}")
            continue
        print(
            f"  {row['resolution']:<6}{row['days']:>5}{row['windows']:>9}{row['lookback']:>9}"
            f"{row['data_rss_gb']:>8.2f}GB{row['peak_rss_gb']:>8.2f}GB{row['study_s']:>8.1f}s"
        )
    for resolution in SCALING:
        done = [r for r in rows if r["resolution"] == resolution and "error" not in r]
        if len(done) < 2:
            continue
        peak = max(r["peak_rss_gb"] for r in done)
        growth = [
            (b["peak_rss_gb"] / a["peak_rss_gb"]) ** (1 / np.log2(b["windows"] / a["windows"])) - 1
            for a, b in itertools.pairwise(done)
        ]
        print(
            f"  {resolution}: peak RSS ≤ {peak:.2f} GB (budget {BUDGET_RSS_GB} GB: "
            f"{'ok' if peak <= BUDGET_RSS_GB else 'OVER'}); growth per doubling of windows "
            + ", ".join(f"{100 * g:+.1f} %" for g in growth)
            + f" (budget +10 %: {'ok' if max(growth) <= 0.10 else 'OVER'})"
        )


def bench_study(study: Study) -> dict[str, object]:
    """Time the passes, every item's analyses (by section) and every figure of one study."""
    floor = floor_seconds(study)
    passes = _timed(lambda: (study.capture, study.guided, study.pooled))
    sections: dict[str, float] = defaultdict(float)
    plots: dict[str, float] = {}
    for item in catalog.items():
        sections[item.folder] += _timed(
            lambda item=item: (
                item.metrics(study),
                [run_invariant(i, item, study) for i in item.invariants],
            )
        )
        plots[item.id] = _timed(lambda item=item: png_bytes(draw_styled(item.draw, study)), repeat=3)
    analysis = passes + sum(sections.values())
    return {
        "floor_s": floor,
        "passes_s": passes,
        "sections_s": dict(sections),
        "analysis_s": analysis,
        "plots_s": plots,
        "captum": captum_comparison(study),
    }


def gate_seconds(workers: int, *extra: str) -> tuple[float, int]:
    """Wall time and exit status of ``pytest checks`` (both horizons) in a fresh process.

    ``workers=2`` runs it as ``make test`` does (``-n 2 --dist loadgroup``); ``workers=0`` runs it serially.
    """
    parallel = ["-n", str(workers), "--dist", "loadgroup"] if workers else []
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "checks", "-q", *parallel, *extra],
        cwd=Path.cwd(),
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - start, proc.returncode


def retrain_folder(folder: Path) -> Path:
    """A healthy retrain of both horizons (training seed 1) in ``folder``, for timing the gate on a retrain."""
    from interp.config import TrainConfig
    from interp.suite import train_checkpoints

    train_checkpoints(folder, train_config=TrainConfig(seed=1), quiet=True)
    return folder


def calibrate_seconds() -> tuple[float, int]:
    """Wall time and exit status of ``interp calibrate`` (the whole ensemble) on a copy of the baselines."""
    import shutil
    import tempfile

    from interp.suite import BASELINES

    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "baselines"
        shutil.copytree(BASELINES, copy)
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "interp", "calibrate", "--baselines", str(copy)],
            capture_output=True,
            text=True,
        )
        return time.perf_counter() - start, proc.returncode


def run_bench(
    horizons: tuple[int, ...], *, gate: bool = True, calibrate: bool = False, scaling: bool = True
) -> int:
    """Print the benchmark report; returns 0 (the budgets are reported, not enforced)."""
    sources = Sources()
    for horizon in horizons:
        start = time.perf_counter()
        study = load_study(sources, horizon)
        load_s = time.perf_counter() - start
        result = bench_study(study)
        floor, analysis = result["floor_s"], result["analysis_s"]
        print(f"== h{horizon}: {len(study.dataset.test.x)} evaluation windows; load {load_s:.2f} s")
        print(f"floor (2 fwd+bwd + 4 fwd)        {floor:8.3f} s")
        print(f"study passes (capture, guided, pooled) {result['passes_s']:8.3f} s")
        for section, seconds in sorted(result["sections_s"].items()):
            print(f"  analyses {section:<24}{seconds:8.3f} s")
        verdict = "ok" if analysis <= BUDGET_ANALYSIS_FLOORS * floor else "OVER BUDGET"
        print(
            f"analyses total                   {analysis:8.3f} s = {analysis / floor:.1f}× floor "
            f"(budget {BUDGET_ANALYSIS_FLOORS:g}×: {verdict})"
        )
        plots = result["plots_s"]
        slowest = sorted(plots.items(), key=lambda kv: -kv[1])
        over = [k for k, v in plots.items() if v > BUDGET_PLOT_S]
        print(
            f"plots: {len(plots)} figures, total {sum(plots.values()):.2f} s, slowest "
            + ", ".join(f"{k} {v:.3f} s" for k, v in slowest[:5])
            + f" (budget {BUDGET_PLOT_S} s each: {'ok' if not over else 'over: ' + ', '.join(over)})"
        )
        for item_id, seconds in sorted(plots.items()):
            print(f"  plot {item_id:<6}{seconds:6.3f} s")
        rows = result["captum"]
        if rows is None:
            print("captum: not installed (pip install -e '.[test]')")
        else:
            print(
                f"single-call attributions vs Captum, {min(CAPTUM_WINDOWS, len(study.dataset.test.x))} windows:"
            )
            for row in rows:
                verdict = "ok" if row["ratio"] <= BUDGET_CAPTUM_RATIO else "OVER"
                print(
                    f"  {row['method']:<16} ours {row['ours_s']:.3f} s, Captum {row['captum_s']:.3f} s = "
                    f"{row['ratio']:.2f}× (budget ≤ {BUDGET_CAPTUM_RATIO}×: {verdict}), "
                    f"max |difference| {row['max_abs_diff']:.1e}"
                )
    rss_gb = _peak_rss_gb()
    print(
        f"peak RSS {rss_gb:.2f} GB (budget {BUDGET_RSS_GB} GB: {'ok' if rss_gb <= BUDGET_RSS_GB else 'OVER'})"
    )
    if scaling:
        print_scaling(scaling_table())
    if gate:
        import tempfile

        for workers, how in ((2, "-n 2 --dist loadgroup, as make test"), (0, "serial")):
            seconds, status = gate_seconds(workers)
            verdict = "ok" if seconds <= BUDGET_GATE_S else "OVER"
            print(
                f"gate `pytest checks` both horizons, accepted model, 3 tiers ({how}): {seconds:.1f} s wall, "
                f"exit {status} (budget {BUDGET_GATE_S:g} s: {verdict})"
            )
        with tempfile.TemporaryDirectory() as scratch:
            folder = retrain_folder(Path(scratch))
            seconds, status = gate_seconds(2, f"--checkpoint-dir={folder}")
            verdict = "ok" if seconds <= BUDGET_GATE_S else "OVER"
            print(
                f"gate `pytest checks --checkpoint-dir RETRAIN` both horizons, tiers 1 + 2 (-n 2): {seconds:.1f} s "
                f"wall, exit {status} (budget {BUDGET_GATE_S:g} s: {verdict})"
            )
    if calibrate:
        seconds, status = calibrate_seconds()
        print(
            f"`make calibrate` (8 members × {len(horizons)} horizons, 2 jobs): {seconds:.0f} s wall, exit {status}"
        )
    return 0
