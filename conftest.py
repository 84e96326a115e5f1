"""pytest wiring of the checks: options, the per-horizon study fixture, item fixtures, guards, style reset.

Options (see README): ``--horizon 1|24`` (repeatable; default both), ``--checkpoint-dir``, ``--model``,
``--data``, ``--retrain``, ``--device``, ``--tsne``.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

import torch

from interp import catalog
from interp.config import HORIZONS_HOURS, StudyConfig
from interp.errors import InterpError, InvariantSkipped
from interp.hooks import ModelState
from interp.metrics import to_jsonable
from interp.plots.style import apply_style, draw_styled, figure_from_png
from interp.runtime import single_threaded
from interp.study import Study
from interp.suite import Sources, load_study, train_checkpoints, validate_horizons

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
CHECKS = ROOT / "checks"

# One thread everywhere: results are byte-identical serially and under `pytest -n 2`.
single_threaded()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("interp", "CNN-LSTM interpretability checks")
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
        help="Folder with cnn_lstm_h{H}.pt (and lstm_h{H}.pt); default baselines/checkpoints.",
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
        help="Train fresh checkpoints into a temp folder and check them against the baselines.",
    )
    group.addoption("--device", default="cpu", help="torch device of the passes (default cpu).")
    group.addoption(
        "--tsne", action="store_true", help="Also compute the slow t-SNE embedding (not compared)."
    )


def pytest_configure(config: pytest.Config) -> None:
    try:
        config._interp_horizons = validate_horizons(config.getoption("--horizon"))
    except InterpError as exc:
        raise pytest.UsageError(str(exc)) from None
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
            f"Regenerate baselines on purpose with `make baselines` outside CI."
        )
    # Paths given on the command line resolve against the current directory; make them absolute.
    for option in ("mpl_generate_path", "mpl_baseline_path", "mpl_results_path"):
        value = getattr(config.option, option, None)
        if value and not os.path.isabs(value):
            setattr(config.option, option, str(ROOT / value))
    config.addinivalue_line(
        "markers", "xdist_group(name): run in one xdist worker (pytest-xdist --dist loadgroup)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    in_checks = CHECKS in Path(metafunc.definition.path).parents
    if in_checks and "horizon" in metafunc.fixturenames:
        horizons = metafunc.config._interp_horizons
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
    """Studies of this session, loaded once per horizon (per worker under xdist)."""

    def __init__(self, sources: Sources, horizons: tuple[int, ...]) -> None:
        self.sources = sources
        self.horizons = horizons
        self._studies: dict[int, Study] = {}
        self._loaded: dict[str, ModelState] = {}

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
    checkpoint_dir = Path(opt("--checkpoint-dir")).resolve() if opt("--checkpoint-dir") else None
    data = Path(opt("--data")).resolve() if opt("--data") else None
    if opt("--retrain"):
        checkpoint_dir = tmp_path_factory.mktemp("retrained")
        train_checkpoints(
            checkpoint_dir, request.config._interp_horizons, sources=Sources(data=data), quiet=True
        )
    sources = Sources(
        data=data,
        model_class=opt("--model"),
        device=opt("--device"),
        study=StudyConfig(tsne=opt("--tsne")),
        **({"checkpoint_dir": checkpoint_dir} if checkpoint_dir else {}),
    )
    return SuiteContext(sources, request.config._interp_horizons)


@pytest.fixture(scope="session")
def study(suite: SuiteContext, horizon: int) -> Study:
    """The cached Study of the parametrized horizon (ids ``h1``, ``h24``)."""
    return suite.study(horizon)


@pytest.fixture(scope="session")
def studies(request: pytest.FixtureRequest, suite: SuiteContext) -> dict[int, Study]:
    """Both horizons' studies, for the cross-horizon checks E8–E10."""
    selected = request.config._interp_horizons
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


def _checked_metrics(item, snapshot, *studies: Study) -> dict:
    """Assert the item's invariants, then compare its metrics with the snapshot (skip after, if informational)."""
    from interp.testing.snapshots import MetricsSnapshotExtension

    metrics = to_jsonable(item.metrics(*studies))
    skipped = _run_invariants(item.invariants, *studies)
    assert metrics == snapshot.use_extension(MetricsSnapshotExtension)
    if skipped:
        pytest.skip(skipped)
    return metrics


@pytest.fixture
def figure_of(study: Study):
    """``figure_of("B4")``: the item's figure, saved under results/, for pytest-mpl."""
    return lambda item_id: _published_figure(catalog.item(item_id), study)


@pytest.fixture
def metrics_of(study: Study, snapshot):
    """``metrics_of("B4")``: the item's invariants, then its metrics against the snapshot."""
    return lambda item_id: _checked_metrics(catalog.item(item_id), snapshot, study)


@pytest.fixture
def cross_figure_of(studies: dict[int, Study]):
    """``cross_figure_of("E8")``: a cross-horizon item's figure, saved under results/comparison/."""
    return lambda item_id: _published_figure(catalog.cross_item(item_id), studies[1], studies[24])


@pytest.fixture
def cross_metrics_of(studies: dict[int, Study], snapshot):
    """``cross_metrics_of("E8")``: cross-horizon invariants, then the snapshot."""
    return lambda item_id: _checked_metrics(catalog.cross_item(item_id), snapshot, studies[1], studies[24])


def _run_invariants(invariants: Callable[..., None] | None, *args: Study) -> str | None:
    """Run an item's invariants; the reason when one does not apply to this data (the snapshot still runs)."""
    if invariants is None:
        return None
    try:
        invariants(*args)
    except InvariantSkipped as reason:
        return f"invariant informational on this data: {reason}"
    return None
