"""``make bench``: where the time and memory go (DESIGN §9). Benchmarks, never timed tests.

Prints, per horizon: the floor (2 forward+backward and 4 forward passes over the evaluation set), the
study's passes, analysis time per section, plot time per figure, our attributions against Captum's, then the
peak RSS and the wall time of the whole gate (``pytest checks``, both horizons, in a subprocess) against the
budgets: gate ≤ 60 s, analyses ≤ 3× floor, plots ≤ 0.3 s each, RSS ≤ 1.5 GB.
"""

from __future__ import annotations

import resource
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


def captum_comparison(study: Study) -> dict[str, float] | None:
    """Our saliency + guided backprop + layer gradients vs Captum's on the same inputs; None without Captum."""
    try:
        from captum.attr import GuidedBackprop, LayerGradientXActivation, Saliency
    except ImportError:
        return None
    from interp.passes import capture, guided_gradient

    model, x = study.model, study.dataset.test.x
    target = study.dataset.horizon_steps - 1
    layers = {"conv1": model.conv1, "conv2": model.conv2, "pooled": model.pool}
    ours: dict[str, np.ndarray] = {}

    def run_ours() -> None:
        # What the study does: one forward + backward pass for saliency and every layer, one guided pass.
        cap = capture(model, x)
        ours["saliency"] = cap.grad_input
        ours["guided"] = guided_gradient(model, x)
        for name in layers:
            ours[name] = getattr(cap, f"grad_{name}") * getattr(cap, name)

    theirs: dict[str, np.ndarray] = {}

    def run_captum() -> None:
        theirs["saliency"] = Saliency(model).attribute(x, target=target, abs=False).numpy()
        theirs["guided"] = GuidedBackprop(model).attribute(x, target=target).numpy()
        for name, layer in layers.items():
            theirs[name] = LayerGradientXActivation(model, layer).attribute(x, target=target).detach().numpy()

    ours_s = _timed(run_ours, repeat=3)
    with warnings.catch_warnings():  # Captum warns on every call (input grads, ReLU hooks)
        warnings.simplefilter("ignore", UserWarning)
        captum_s = _timed(run_captum, repeat=3)
    diff = max(float(np.max(np.abs(ours[k] - theirs[k]))) for k in theirs)
    return {"ours_s": ours_s, "captum_s": captum_s, "speedup": captum_s / ours_s, "max_abs_diff": diff}


def bench_study(study: Study) -> dict[str, object]:
    """Time the passes, every item's analyses (by section) and every figure of one study."""
    floor = floor_seconds(study)
    passes = _timed(lambda: (study.capture, study.guided_input))
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


def run_bench(horizons: tuple[int, ...], *, gate: bool = True, calibrate: bool = False) -> int:
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
        print(f"study passes (capture + guided)  {result['passes_s']:8.3f} s")
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
        cap = result["captum"]
        if cap is None:
            print("captum: not installed (pip install -e '.[test]')")
        else:
            print(
                f"attributions vs Captum: ours {cap['ours_s']:.3f} s, Captum {cap['captum_s']:.3f} s, "
                f"speed-up {cap['speedup']:.1f}× (target ≥ 2×), max |difference| {cap['max_abs_diff']:.2e}"
            )
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(
        f"peak RSS {rss_gb:.2f} GB (budget {BUDGET_RSS_GB} GB: {'ok' if rss_gb <= BUDGET_RSS_GB else 'OVER'})"
    )
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
