"""pytest wiring of the gate: options, the per-horizon studies, the three tiers, the verdict.

Options (see README): ``--horizon 1|24`` (repeatable; default both), ``--checkpoint-dir``, ``--model``,
``--data``, ``--retrain``, ``--device``, ``--tsne``.

Tiers (DESIGN §6): ``checks/test_gate.py`` holds one pytest item per health invariant
(``test_invariant[h24-E5-skill-over-naive]``) and per drift measure (``test_drift[h24-B2-…]``); the figure and
metrics checks of ``checks/test_<section>.py`` are the exact tier, which applies only when the model under test
is the one in ``baselines/MANIFEST.json`` and skips with both hashes otherwise. The run ends with the gate's
verdict: one line per failed invariant or drift.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

import torch

from interp import catalog
from interp.config import HORIZONS_HOURS, StudyConfig
from interp.errors import InterpError
from interp.gate.drift import Calibration
from interp.gate.manifest import Manifest
from interp.gate.outcome import CheckOutcome, summary_line
from interp.hooks import ModelState
from interp.metrics import to_jsonable
from interp.plots.style import apply_style, draw_styled, figure_from_png
from interp.runtime import single_threaded
from interp.study import Study
from interp.suite import (
    BASELINES,
    Sources,
    baseline_study,
    checkpoint_name,
    load_study,
    train_checkpoints,
    validate_horizons,
)

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
CHECKS = ROOT / "checks"
HORIZONS = pytest.StashKey[tuple[int, ...]]()

# One thread everywhere: results are byte-identical serially and under `pytest -n 2`.
single_threaded()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("interp", "CNN-LSTM interpretability gate")
    group.addoption(
        "--horizon",
        action="append",
        default=[],
        metavar="HOURS",
        help="Horizon to check, 1 or 24 (repeatable; default both).",
    )
    group.addoption(
        "--checkpoint-dir",
        default=None,
        metavar="DIR",
        help="Folder with cnn_lstm_h{H}.pt (and lstm_h{H}.pt) to gate; default the accepted baselines.",
    )
    group.addoption(
        "--model",
        default=None,
        metavar="MODULE:CLASS",
        help="Your own model class (must expose Conv1d, MaxPool1d and LSTM modules).",
    )
    group.addoption(
        "--data", default=None, metavar="CSV", help="Your own data (see `python -m interp data`)."
    )
    group.addoption(
        "--retrain",
        action="store_true",
        help="Train fresh checkpoints into a temp folder and gate them against the accepted baselines.",
    )
    group.addoption("--device", default="cpu", help="torch device of the passes (default cpu).")
    group.addoption(
        "--tsne", action="store_true", help="Also compute the slow t-SNE embedding (not compared)."
    )


def pytest_configure(config: pytest.Config) -> None:
    try:
        config.stash[HORIZONS] = validate_horizons(config.getoption("--horizon"))
    except InterpError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.pluginmanager.register(GateVerdict(), "interp-gate-verdict")
    regenerating = [
        flag
        for flag, on in (
            ("--mpl-generate-path", config.getoption("--mpl-generate-path", None)),
            ("--snapshot-update", config.getoption("--snapshot-update", False)),
        )
        if on
    ]
    if regenerating and os.environ.get("CI", "").lower() == "true":
        raise pytest.UsageError(
            f"{' and '.join(regenerating)} refused with CI=true: a regeneration must never turn the gate green. "
            f"Accept a new baseline on purpose with `make accept` outside CI."
        )
    # Paths given on the command line resolve against the current directory; make them absolute.
    for option in ("mpl_generate_path", "mpl_baseline_path", "mpl_results_path"):
        value = getattr(config.option, option, None)
        if value and not os.path.isabs(value):
            setattr(config.option, option, str(ROOT / value))
    config.addinivalue_line(
        "markers", "xdist_group(name): run in one xdist worker (pytest-xdist --dist loadgroup)"
    )


def _case_ids(horizon: str, cases) -> list[str]:
    return [f"{horizon}-{item.id}-{check.name}" for item, check in cases]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    horizons = metafunc.config.stash[HORIZONS]
    for fixture, declared in (
        ("invariant_case", lambda item: item.invariants),
        ("drift_case", lambda item: item.drift),
    ):
        if fixture in metafunc.fixturenames:
            cases = [(item, check) for item in catalog.items() for check in declared(item)]
            metafunc.parametrize(
                ("horizon", fixture),
                [(h, case) for h in horizons for case in cases],
                ids=[i for h in horizons for i in _case_ids(f"h{h}", cases)],
                scope="session",
            )
            return
    if "cross_invariant_case" in metafunc.fixturenames:
        cases = [(item, check) for item in catalog.cross_items() for check in item.invariants]
        metafunc.parametrize("cross_invariant_case", cases, ids=_case_ids("cross", cases))
        return
    in_checks = CHECKS in Path(metafunc.definition.path).parents
    if in_checks and "horizon" in metafunc.fixturenames:
        metafunc.parametrize("horizon", horizons, ids=[f"h{h}" for h in horizons], scope="session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    user_data = config.getoption("--data")
    for item in items:
        if user_data and item.get_closest_marker("embedded_data"):
            item.add_marker(
                pytest.mark.skip(
                    reason="negative test of an invariant that holds on the embedded data only (informational "
                    f"with --data {user_data})"
                )
            )
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "horizon" in callspec.params:
            item.add_marker(pytest.mark.xdist_group(f"h{callspec.params['horizon']}"))
        elif "studies" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("cross"))


class SuiteContext:
    """Studies of this session, loaded once per horizon (per worker under xdist), and their baselines."""

    def __init__(self, sources: Sources, horizons: tuple[int, ...], baselines: Path) -> None:
        self.sources = sources
        self.horizons = horizons
        self.baselines = baselines
        self._studies: dict[int, Study] = {}
        self._baseline_studies: dict[int, Study | None] = {}
        self._loaded: dict[str, ModelState] = {}
        self._calibration: Calibration | None = None
        self._exact: dict[int, str | None] = {}

    def study(self, horizon: int) -> Study:
        if horizon not in self._studies:
            try:
                study = load_study(self.sources, horizon)
            except InterpError as exc:
                pytest.exit(f"interp: {exc}", returncode=4)
            self._loaded[study.tag] = ModelState.of(study.model)
            self._studies[horizon] = study
        return self._studies[horizon]

    def loaded_state(self, tag: str) -> ModelState:
        """The model's state when its study was loaded (the hygiene check compares against it)."""
        return self._loaded[tag]

    def baseline(self, horizon: int) -> Study | None:
        """The accepted baseline studied on this horizon's windows; None when the model under test is it."""
        if horizon not in self._baseline_studies:
            try:
                self._baseline_studies[horizon] = baseline_study(
                    self.study(horizon), self.baselines / "checkpoints", self.sources
                )
            except InterpError as exc:
                pytest.fail(f"drift against the accepted baseline cannot be measured: {exc}", pytrace=False)
        return self._baseline_studies[horizon]

    @property
    def calibration(self) -> Calibration | None:
        if self._calibration is None:
            self._calibration = Calibration.read(self.baselines)
        return self._calibration

    def exact_reason(self, *horizons: int) -> str | None:
        """Why the exact tier does not apply to these horizons' models (None: it applies)."""
        for horizon in horizons:
            if horizon not in self._exact:
                self._exact[horizon] = self._exact_reason(horizon)
            if self._exact[horizon] is not None:
                return self._exact[horizon]
        return None

    def _exact_reason(self, horizon: int) -> str | None:
        manifest = Manifest.read(self.baselines)
        if manifest is None:
            return f"exact tier skipped: no {self.baselines / 'MANIFEST.json'}; accept a baseline with `make accept`"
        study = self.study(horizon)
        checkpoint = self.sources.checkpoint_path(horizon)
        comparison = checkpoint.with_name(checkpoint_name("lstm", horizon))
        files = {
            checkpoint_name("cnn_lstm", horizon): checkpoint,
            checkpoint_name("lstm", horizon): comparison if comparison.is_file() else None,
        }
        return manifest.exact_tier_reason(study.tag, files, study.dataset.fingerprint)

    def broken(self, mutate: Callable[[torch.nn.Module], torch.nn.Module], horizon: int | None) -> Study:
        if horizon is None:
            horizon = 24 if 24 in self.horizons else self.horizons[0]
        if horizon not in self.horizons:
            pytest.skip(
                f"negative test of the {horizon} h model; --horizon selects only "
                f"{', '.join(f'{h} h' for h in self.horizons)}"
            )
        reference = self.study(horizon)
        model = mutate(copy.deepcopy(reference.model)).eval()
        return Study(
            model,
            reference.dataset,
            horizon,
            comparison_model=reference.comparison_model,
            config=reference.config,
        )


@pytest.fixture(scope="session")
def suite(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SuiteContext:
    opt = request.config.getoption
    horizons = request.config.stash[HORIZONS]
    checkpoint_dir = Path(opt("--checkpoint-dir")).resolve() if opt("--checkpoint-dir") else None
    data = Path(opt("--data")).resolve() if opt("--data") else None
    if opt("--retrain"):
        checkpoint_dir = tmp_path_factory.mktemp("retrained")
        train_checkpoints(checkpoint_dir, horizons, sources=Sources(data=data), quiet=True)
    sources = Sources(
        data=data,
        model_class=opt("--model"),
        device=opt("--device"),
        study=StudyConfig(tsne=opt("--tsne")),
        **({"checkpoint_dir": checkpoint_dir} if checkpoint_dir else {}),
    )
    return SuiteContext(sources, horizons, BASELINES)


@pytest.fixture(scope="session")
def study(suite: SuiteContext, horizon: int) -> Study:
    """The cached Study of the parametrized horizon (ids ``h1``, ``h24``)."""
    return suite.study(horizon)


@pytest.fixture(scope="session")
def studies(request: pytest.FixtureRequest, suite: SuiteContext) -> dict[int, Study]:
    """Both horizons' studies, for the cross-horizon checks E8–E10."""
    selected = request.config.stash[HORIZONS]
    if set(selected) != set(HORIZONS_HOURS):
        pytest.skip(
            f"cross-horizon check needs both horizons; only {', '.join(f'{h} h' for h in selected)} "
            f"selected (drop --horizon to run it)"
        )
    return {h: suite.study(h) for h in HORIZONS_HOURS}


@pytest.fixture
def broken_study(suite: SuiteContext) -> Callable[..., Study]:
    """``broken_study(mutate, horizon=None)``: a Study of a deep copy of the model under test after ``mutate``.

    ``horizon`` None means 24 h when selected, else the selected horizon; an unselected horizon skips the test.
    """

    def make(mutate: Callable[[torch.nn.Module], torch.nn.Module], horizon: int | None = None) -> Study:
        return suite.broken(mutate, horizon)

    return make


@pytest.fixture
def record_gate(request: pytest.FixtureRequest) -> Callable[[CheckOutcome], None]:
    """``record_gate(outcome)``: report a tier-1/2 check's outcome (verdict, report) and pass, fail or skip."""

    def record(outcome: CheckOutcome) -> None:
        request.node.user_properties.append(("interp_gate", json.dumps(outcome.to_json())))
        if outcome.status == "failed":
            pytest.fail(outcome.line(), pytrace=False)
        if outcome.status == "skipped":
            pytest.skip(outcome.message)

    return record


@pytest.fixture(autouse=True)
def _reset_style():
    """Reset rcParams to the suite's style before, and close every figure after, each test."""
    apply_style()
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
    apply_style()


def _published_figure(item, *studies: Study):
    """Draw ``item``, save it under results/, and return that PNG as a Figure for pytest-mpl.

    pytest-mpl then compares exactly the file the results tree holds, and each plot is rendered once.
    """
    from interp.report import save_item_figure

    study_arg = studies[0] if len(studies) == 1 else studies
    path = save_item_figure(item, study_arg, draw_styled(item.draw, *studies), RESULTS)
    return figure_from_png(path.read_bytes())


def _exact_or_skip(suite: SuiteContext, *horizons: int) -> None:
    reason = suite.exact_reason(*horizons)
    if reason is not None:
        pytest.skip(reason)


def _snapshot_metrics(item, snapshot, *studies: Study) -> dict:
    """The item's metrics compared with the snapshot (exact tier)."""
    from interp.testing.snapshots import MetricsSnapshotExtension

    metrics = to_jsonable(item.metrics(*studies))
    assert metrics == snapshot.use_extension(MetricsSnapshotExtension)
    return metrics


@pytest.fixture
def figure_of(suite: SuiteContext, study: Study):
    """``figure_of("B4")``: the item's figure, saved under results/; compared by pytest-mpl (exact tier)."""

    def figure(item_id: str):
        fig = _published_figure(catalog.item(item_id), study)
        _exact_or_skip(suite, int(study.horizon_hours))
        return fig

    return figure


@pytest.fixture
def metrics_of(suite: SuiteContext, study: Study, snapshot):
    """``metrics_of("B4")``: the item's metrics against the snapshot (exact tier)."""

    def metrics(item_id: str) -> dict:
        _exact_or_skip(suite, int(study.horizon_hours))
        return _snapshot_metrics(catalog.item(item_id), snapshot, study)

    return metrics


@pytest.fixture
def cross_figure_of(suite: SuiteContext, studies: dict[int, Study]):
    """``cross_figure_of("E8")``: a cross-horizon item's figure, saved under results/comparison/."""

    def figure(item_id: str):
        fig = _published_figure(catalog.cross_item(item_id), studies[1], studies[24])
        _exact_or_skip(suite, *HORIZONS_HOURS)
        return fig

    return figure


@pytest.fixture
def cross_metrics_of(suite: SuiteContext, studies: dict[int, Study], snapshot):
    """``cross_metrics_of("E8")``: a cross-horizon item's metrics against the snapshot (exact tier)."""

    def metrics(item_id: str) -> dict:
        _exact_or_skip(suite, *HORIZONS_HOURS)
        return _snapshot_metrics(catalog.cross_item(item_id), snapshot, studies[1], studies[24])

    return metrics


class GateVerdict:
    """Collects the outcomes the gate checks record (on the controller under xdist) and prints the verdict."""

    def __init__(self) -> None:
        self.outcomes: list[CheckOutcome] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == "interp_gate" and report.when == "call":
                self.outcomes.append(CheckOutcome.from_json(json.loads(value)))

    def pytest_terminal_summary(self, terminalreporter, exitstatus: int, config: pytest.Config) -> None:
        """One line per failed invariant or drift check (item, horizon, value, threshold, which way)."""
        failed = [o for o in self.outcomes if o.status == "failed"]
        others = [
            r
            for r in terminalreporter.stats.get("failed", [])
            if not any(n == "interp_gate" for n, _ in getattr(r, "user_properties", ()))
        ]
        if not self.outcomes and not others:
            return
        terminalreporter.section("gate verdict")
        ran = {t: sum(o.tier == t for o in self.outcomes) for t in ("invariant", "drift")}
        if not failed and not others:
            terminalreporter.write_line(
                f"healthy and not drifted: {ran['invariant']} invariant and {ran['drift']} drift checks, none "
                f"failed"
            )
            return
        counts = {t: sum(o.tier == t for o in failed) for t in ("invariant", "drift")}
        terminalreporter.write_line(
            f"FAILED: {counts['invariant']} of {ran['invariant']} invariants, {counts['drift']} of "
            f"{ran['drift']} drift checks; {len(others)} other failed test(s) (exact tier or suite)"
        )
        for outcome in sorted(
            failed, key=lambda o: (("invariant", "drift").index(o.tier), o.horizon, o.item)
        ):
            terminalreporter.write_line(f"  {summary_line(outcome)}")
