"""The gate's pytest plugin (registered by the ``pytest11`` entry point ``interp``): options, the per-horizon
studies, the three tiers, the run's report, the verdict.

Installing the package installs the plugin; the checks themselves ship in :mod:`interp.checks` and a gate folder
(this repository's, or one ``interp init`` scaffolds) collects them from its ``checks/`` files. Every path is
relative to pytest's rootdir (the gate folder), never to the installed package: ``--baselines`` (default
``baselines/``) and ``--results`` (default ``results/``).

Options (see README): ``--horizon 1|24`` (repeatable; default both), ``--checkpoint-dir``, ``--model``,
``--data`` (with ``--timestamp``, ``--target``, ``--features``), ``--regime-bounds``, ``--retrain``,
``--baselines``, ``--results``, ``--device``, ``--tsne``.

Tiers (DESIGN §6): ``test_gate.py`` holds one item per health invariant (``test_invariant[h24-E5-…]``) and per
drift measure (``test_drift[h24-B2-…]``); ``test_exact.py`` compares every figure and metrics snapshot exactly
(``test_figure[h24-B4]``), which applies only when the model under test is the one in ``baselines/MANIFEST.json``.
Every run writes one results tree with its report (``index.html``); the run ends with the gate's verdict and the
report's path.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

import torch

from interp import catalog
from interp.config import HORIZONS_HOURS, StudyConfig
from interp.data.accounting import MAX_DROPPED_SHARE
from interp.errors import InterpError
from interp.gate.exact import baseline_image, case_id, write_diff
from interp.gate.outcome import CheckOutcome, summary_line
from interp.gate.run import GateRun
from interp.hooks import ModelState
from interp.plots.style import apply_style, figure_from_png
from interp.report import (
    accepted_path,
    copy_into,
    diff_path,
    publish,
    record_item,
    remove_stale,
    results_lock,
    staging_path,
    write_report,
)
from interp.runrecord import ItemRecord, RunReport
from interp.runtime import single_threaded
from interp.study import Study
from interp.suite import Sources, parse_regime_bounds, torch_device, train_checkpoints, validate_horizons

HORIZONS = pytest.StashKey[tuple[int, ...]]()
RUN_TREE = pytest.StashKey[Path]()
REPORT = pytest.StashKey["RunCollector"]()
WORKER_TREE = "interp_run_tree"

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
        "--timestamp", default="timestamp", help="Timestamp column of --data (default timestamp)."
    )
    group.addoption("--target", default=None, help="Target column of --data when training (--retrain).")
    group.addoption("--features", default=None, help="Comma-separated feature columns of --data, in order.")
    group.addoption(
        "--timestamp-format", default=None, help="strftime pattern of non-ISO timestamps in --data."
    )
    group.addoption(
        "--resolution", default=None, help="Average --data's rows onto this step (e.g. 5min, 1h)."
    )
    group.addoption(
        "--allow-gaps",
        action="store_true",
        help="Use --data even when its gaps cost more than 25 %% of the windows.",
    )
    group.addoption(
        "--regime-bounds",
        default=None,
        metavar="LOW,HIGH",
        help="CO2 regime bounds in ppm (default: the checkpoint's, 800,1200 for the reference).",
    )
    group.addoption(
        "--retrain",
        action="store_true",
        help="Train fresh checkpoints into a temp folder and gate them against the accepted baselines.",
    )
    group.addoption(
        "--baselines",
        default=None,
        metavar="DIR",
        help="The accepted baseline: checkpoints/, images/, snapshots/, MANIFEST.json, calibration.json "
        "(default baselines/).",
    )
    group.addoption(
        "--results",
        default=None,
        metavar="DIR",
        help="Results root: the run's tree is DIR/cnn_lstm_interpretability (default results/).",
    )
    group.addoption("--device", default="cpu", help="torch device of the passes (default cpu).")
    group.addoption(
        "--tsne", action="store_true", help="Also compute the slow t-SNE embedding (not compared)."
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Before pytest-mpl and syrupy read their options: the baselines and results folders, the refusals."""
    try:
        config.stash[HORIZONS] = validate_horizons(config.getoption("--horizon"))
        parse_regime_bounds(config.getoption("--regime-bounds"))
        torch_device(config.getoption("--device"))
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
            f"Accept a new baseline on purpose with `make accept` outside CI."
        )
    root = config.rootpath
    given = config.option.baselines
    config.option.baselines = str((root / (given or "baselines")).resolve())
    config.option.results = str((root / (config.option.results or "results")).resolve())
    if given and not Path(config.option.baselines).is_dir():
        raise pytest.UsageError(
            f"--baselines expects a folder (checkpoints/, images/, snapshots/). Found nothing at "
            f"{config.option.baselines}. Pass the folder `interp accept` wrote, or run `interp init`."
        )
    if getattr(config.option, "mpl_baseline_path", None) is not None:
        config.option.mpl_baseline_path = str(Path(config.option.baselines) / "images")
    # Paths given on the command line resolve against the rootdir; make them absolute.
    for option in ("mpl_generate_path", "mpl_results_path"):
        value = getattr(config.option, option, None)
        if value and not os.path.isabs(value):
            setattr(config.option, option, str(root / value))
    config.addinivalue_line(
        "markers", "xdist_group(name): run in one xdist worker (pytest-xdist --dist loadgroup)"
    )
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        config.stash[RUN_TREE] = Path(workerinput[WORKER_TREE])
    else:
        collector = RunCollector()
        config.stash[REPORT] = collector
        config.pluginmanager.register(collector, "interp-gate-report")


def _exact_cases(horizons: tuple[int, ...], tsne: bool) -> tuple[list, list[str]]:
    values, ids = [], []
    for h in horizons:
        for item in catalog.items(optional=tsne):
            values.append((h, (f"h{h}", item)))
            ids.append(case_id(f"h{h}", catalog.item_key(item)))
    for item in catalog.cross_items():
        values.append((None, ("cross", item)))
        ids.append(case_id("cross", item.id))
    return values, ids


def _is_gate_check(function) -> bool:
    """Whether a test function is one of the gate's checks (defined in :mod:`interp.checks`)."""
    return getattr(function, "__module__", "").startswith("interp.checks")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if not _is_gate_check(metafunc.function):
        return
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
                ids=[f"h{h}-{item.id}-{check.name}" for h in horizons for item, check in cases],
                scope="session",
            )
            return
    if "exact_case" in metafunc.fixturenames:
        values, ids = _exact_cases(horizons, metafunc.config.getoption("--tsne"))
        metafunc.parametrize(("horizon", "exact_case"), values, ids=ids, scope="session")
        return
    if "cross_invariant_case" in metafunc.fixturenames:
        cases = [(item, check) for item in catalog.cross_items() for check in item.invariants]
        metafunc.parametrize(
            "cross_invariant_case", cases, ids=[f"cross-{item.id}-{check.name}" for item, check in cases]
        )
        return
    if "horizon" in metafunc.fixturenames:
        metafunc.parametrize("horizon", horizons, ids=[f"h{h}" for h in horizons], scope="session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if not _is_gate_check(getattr(item, "function", None)):
            continue
        callspec = getattr(item, "callspec", None)
        hours = callspec.params.get("horizon") if callspec is not None else None
        if hours is not None:
            item.add_marker(pytest.mark.xdist_group(f"h{hours}"))
        elif {"studies", "exact_case", "cross_invariant_case"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("cross"))


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """The controller names this run's staging tree before any worker starts (created by the first writer)."""
    if REPORT in session.config.stash:
        session.config.stash[RUN_TREE] = staging_path(Path(session.config.option.results))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """xdist: tell each worker where this run's tree is."""
    node.workerinput[WORKER_TREE] = str(node.config.stash[RUN_TREE])


class SuiteContext:
    """The session's :class:`~interp.gate.run.GateRun` (studies loaded once per horizon and worker), plus what
    the hygiene checks need."""

    def __init__(self, gate: GateRun, horizons: tuple[int, ...]) -> None:
        self.gate = gate
        self.horizons = horizons
        self._loaded: dict[str, ModelState] = {}

    @property
    def sources(self) -> Sources:
        return self.gate.sources

    def study(self, horizon: int) -> Study:
        try:
            study = self.gate.study(horizon)
        except InterpError as exc:
            pytest.exit(f"interp: {exc}", returncode=4)
        self._loaded.setdefault(study.tag, ModelState.of(study.model))
        return study

    def studies_for(self, tag: str) -> tuple[Study, ...]:
        """The studies an item of ``tag`` takes (``h24``: one; ``cross``: both, or a skip naming why not)."""
        if tag != "cross":
            return (self.study(int(tag[1:])),)
        if set(self.horizons) != set(HORIZONS_HOURS):
            pytest.skip(
                f"cross-horizon check needs both horizons; only {', '.join(f'{h} h' for h in self.horizons)} "
                f"selected (drop --horizon to run it)"
            )
        return tuple(self.study(h) for h in HORIZONS_HOURS)

    def loaded_state(self, tag: str) -> ModelState:
        """The model's state when its study was loaded (the hygiene check compares against it)."""
        return self._loaded[tag]

    def baseline(self, horizon: int) -> Study | None:
        try:
            return self.gate.baseline(horizon)
        except InterpError as exc:
            pytest.fail(f"drift against the accepted baseline cannot be measured: {exc}", pytrace=False)

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
    """The session's models under test, data and baseline, from the command-line options."""
    opt = request.config.getoption
    horizons = request.config.stash[HORIZONS]
    baselines = baselines_of(request.config)
    features = opt("--features")
    sources = Sources(
        data=Path(opt("--data")).resolve() if opt("--data") else None,
        timestamp=opt("--timestamp"),
        **({"target": opt("--target")} if opt("--target") else {}),
        features=tuple(c.strip() for c in features.split(",") if c.strip()) if features else None,
        regime_bounds=parse_regime_bounds(opt("--regime-bounds")),
        timestamp_format=opt("--timestamp-format"),
        resolution=opt("--resolution"),
        max_dropped_share=1.0 if opt("--allow-gaps") else MAX_DROPPED_SHARE,
        model_class=opt("--model"),
        device=opt("--device"),
        study=StudyConfig(tsne=opt("--tsne")),
        checkpoint_dir=Path(opt("--checkpoint-dir")).resolve()
        if opt("--checkpoint-dir")
        else baselines / "checkpoints",
    )
    if opt("--retrain"):
        retrained = tmp_path_factory.mktemp("retrained")
        train_checkpoints(retrained, horizons, sources=sources, quiet=True)
        sources = dataclasses.replace(sources, checkpoint_dir=retrained)
    return SuiteContext(GateRun(sources, baselines), horizons)


def baselines_of(config: pytest.Config) -> Path:
    """The run's accepted baseline folder (``--baselines``, default ``<rootdir>/baselines``)."""
    return Path(config.option.baselines)


@pytest.fixture(scope="session")
def run_tree(request: pytest.FixtureRequest) -> Path:
    """This run's staging results tree (published as ``results/cnn_lstm_interpretability`` at the end)."""
    return request.config.stash[RUN_TREE]


@pytest.fixture(scope="session")
def study(suite: SuiteContext, horizon: int) -> Study:
    """The cached Study of the parametrized horizon (ids ``h1``, ``h24``)."""
    return suite.study(horizon)


@pytest.fixture(scope="session")
def studies(suite: SuiteContext) -> dict[int, Study]:
    """Both horizons' studies, for the cross-horizon checks E8–E10."""
    return dict(zip(HORIZONS_HOURS, suite.studies_for("cross"), strict=True))


@pytest.fixture
def broken_study(suite: SuiteContext) -> Callable[..., Study]:
    """``broken_study(mutate, horizon=None)``: a Study of a deep copy of the model under test after ``mutate``.

    ``horizon`` None means 24 h when selected, else the selected horizon; an unselected horizon skips the test.
    """

    def make(mutate: Callable[[torch.nn.Module], torch.nn.Module], horizon: int | None = None) -> Study:
        return suite.broken(mutate, horizon)

    return make


def _record(request: pytest.FixtureRequest, name: str, value: object) -> None:
    request.node.user_properties.append((name, json.dumps(value)))


@pytest.fixture
def record_gate(request: pytest.FixtureRequest) -> Callable[[CheckOutcome], None]:
    """``record_gate(outcome)``: report a tier-1/2 check's outcome (verdict, report) and pass, fail or skip."""

    def record(outcome: CheckOutcome) -> None:
        _record(request, "interp_gate", outcome.to_json())
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


def _exact_skip_reason(suite: SuiteContext, tag: str, item) -> str | None:
    if catalog.item_key(item) != item.id:
        return f"{item.title}: drawn for review, never compared exactly"
    hours = HORIZONS_HOURS if tag == "cross" else (int(tag[1:]),)
    return suite.gate.exact_reason(*hours)


@pytest.fixture
def figure_of(suite: SuiteContext, run_tree: Path, request: pytest.FixtureRequest):
    """``figure_of(tag, item)``: draw the item into this run's tree, record it for the report, and hand its PNG
    to pytest-mpl (so the compared image is exactly the published one) — or skip when the exact tier does not
    apply."""

    def figure(tag: str, item):
        studies = suite.studies_for(tag)
        not_here = catalog.not_applicable(item, *studies)
        if not_here is not None:
            record = ItemRecord(tag, catalog.item_key(item), item.slug, item.title, item.folder, None)
            _record(request, "interp_item", {**record.__dict__, "tables": []})
            _record(request, "interp_exact", {"horizon": tag, "item": record.item, "name": "figure"})
            pytest.skip(not_here)
        record = record_item(item, studies[0] if len(studies) == 1 else studies, run_tree)
        _record(request, "interp_item", {**record.__dict__, "tables": list(record.tables)})
        hours = [int(s.horizon_hours) for s in studies]
        _record(request, "interp_provenance", suite.gate.provenance(tuple(hours), []))
        _record(request, "interp_exact", {"horizon": tag, "item": record.item, "name": "figure"})
        reason = _exact_skip_reason(suite, tag, item)
        if reason is not None:
            pytest.skip(reason)
        return figure_from_png((run_tree / str(record.figure)).read_bytes())

    return figure


@pytest.fixture
def metrics_of(suite: SuiteContext, snapshot, request: pytest.FixtureRequest):
    """``metrics_of(tag, item)``: the item's metrics against the syrupy snapshot (exact tier)."""
    from interp.metrics import to_jsonable
    from interp.testing.snapshots import MetricsSnapshotExtension

    def metrics(tag: str, item) -> None:
        studies = suite.studies_for(tag)
        _record(request, "interp_exact", {"horizon": tag, "item": catalog.item_key(item), "name": "metrics"})
        reason = catalog.not_applicable(item, *studies) or _exact_skip_reason(suite, tag, item)
        if reason is not None:
            pytest.skip(reason)
        assert to_jsonable(item.metrics(*studies)) == snapshot.use_extension(MetricsSnapshotExtension)

    return metrics


_RMS = re.compile(r"RMS Value:\s*([0-9.eE+-]+|inf|nan)")
_DIFFERING = re.compile(r"(\d+) metric\(s\) differ")


class RunCollector:
    """On the controller: gathers what the tests recorded, publishes the run's report, prints the verdict."""

    def __init__(self) -> None:
        self.outcomes: list[CheckOutcome] = []
        self.items: dict[str, ItemRecord] = {}
        self.provenance: dict[str, object] = {}
        self.failed_images: dict[str, str] = {}
        self.index: Path | None = None
        self.not_published = ""

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        properties = dict(report.user_properties)
        final = report.when == "call" or (report.when == "setup" and report.outcome != "passed")
        if not final:
            return
        if "interp_gate" in properties:
            self.outcomes.append(CheckOutcome.from_json(json.loads(properties["interp_gate"])))
        if "interp_item" in properties:
            raw = json.loads(properties["interp_item"])
            record = ItemRecord(**{**raw, "tables": tuple(raw["tables"])})
            self.items[record.key] = record
        if "interp_provenance" in properties:
            self.provenance.update(json.loads(properties["interp_provenance"]))
        if "interp_exact" in properties:
            self.outcomes.append(self._exact(json.loads(properties["interp_exact"]), report))

    def _exact(self, where: dict, report: pytest.TestReport) -> CheckOutcome:
        status = {"passed": "passed", "failed": "failed", "skipped": "skipped"}[report.outcome]
        text = str(report.longrepr) if report.longrepr is not None else ""
        value, threshold, measure = None, None, ""
        if status == "skipped":
            message = report.longrepr[2] if isinstance(report.longrepr, tuple) else text
            message = message.removeprefix("Skipped: ")
        elif where["name"] == "figure":
            measure, threshold = "RMS difference from the baseline image (0–255)", 2.0
            found = _RMS.search(text)
            value = float(found.group(1)) if found else None
            message = (
                f"{measure} = {value}" if value is not None else text.strip().splitlines()[-1] if text else ""
            )
            if status == "failed":
                self.failed_images[f"{where['horizon']}-{where['item']}"] = report.nodeid
        else:
            measure, threshold = "metric values that differ from the snapshot", 0.0
            found = _DIFFERING.search(text)
            value = float(found.group(1)) if found else (0.0 if status == "passed" else None)
            message = " ".join(line.strip() for line in text.splitlines() if "snapshot" in line)[:600]
        return CheckOutcome(
            "exact",
            where["horizon"],
            where["item"],
            where["name"],
            status,
            value=value,
            threshold=threshold,
            op="<=" if status != "skipped" else "",
            measure=measure,
            direction="differs" if status == "failed" else "",
            message=message or status,
        )

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Publish this run's tree with its report; drop it when nothing was drawn or the run was interrupted."""
        tree = session.config.stash.get(RUN_TREE, None)
        if tree is None or not tree.exists():
            return
        if not self.items or exitstatus == pytest.ExitCode.INTERRUPTED:
            shutil.rmtree(tree, ignore_errors=True)
            return
        baselines = baselines_of(session.config)
        records = [self._with_figures(r, tree, baselines) for r in self._ordered()]
        provenance = {
            **self.provenance,
            "command": " ".join(["pytest", *session.config.invocation_params.args]),
        }
        run = RunReport(tuple(records), tuple(self.outcomes), provenance)
        write_report(run, tree)
        root = Path(session.config.option.results)
        try:
            with results_lock(root, provenance["command"]):
                remove_stale(root)  # hidden folders of killed runs (never this run's: its process is alive)
                self.index = publish(tree, root)
        except InterpError as exc:  # another run is publishing into the same results root
            shutil.rmtree(tree, ignore_errors=True)
            self.not_published = str(exc)

    def _ordered(self) -> list[ItemRecord]:
        order = {
            case_id(t, catalog.item_key(it)): i
            for i, (t, it) in enumerate(
                [(f"h{h}", it) for h in HORIZONS_HOURS for it in catalog.items(optional=True)]
                + [("cross", it) for it in catalog.cross_items()]
            )
        }
        return sorted(self.items.values(), key=lambda r: order.get(r.key, len(order)))

    def _with_figures(self, record: ItemRecord, tree: Path, baselines: Path) -> ItemRecord:
        """The accepted figure beside a retrain's, and the diff of a failed exact comparison, copied into the tree."""
        from dataclasses import replace

        is_baseline = all(
            self.provenance.get(h, {}).get("is_accepted_baseline", False)
            for h in (("h1", "h24") if record.horizon == "cross" else (record.horizon,))
        )
        failed = record.key in self.failed_images
        accepted = diff = None
        if record.figure is not None and (failed or not is_baseline):
            accepted = copy_into(tree, baseline_image(baselines, record.key), accepted_path(record))
        if failed:
            diff_file = tree / diff_path(record)
            write_diff(baseline_image(baselines, record.key), tree / str(record.figure), diff_file)
            diff = diff_path(record) if diff_file.is_file() else None
        return replace(record, accepted_figure=accepted, diff_figure=diff)

    def pytest_terminal_summary(self, terminalreporter, exitstatus: int, config: pytest.Config) -> None:
        """The gate's verdict: one line per failed check (tier, item, horizon, value against threshold, which way)."""
        if not self.outcomes:
            return
        terminalreporter.section("gate verdict")
        failed = [o for o in self.outcomes if o.status == "failed"]
        ran = {
            t: sum(o.tier == t and o.status != "skipped" for o in self.outcomes)
            for t in ("invariant", "drift", "exact")
        }
        if not failed:
            terminalreporter.write_line(
                f"healthy and not drifted: {ran['invariant']} invariant, {ran['drift']} drift and {ran['exact']} "
                f"exact checks ran, none failed"
            )
        else:
            counts = {t: sum(o.tier == t for o in failed) for t in ("invariant", "drift", "exact")}
            terminalreporter.write_line(
                f"FAILED: {counts['invariant']} of {ran['invariant']} invariants, {counts['drift']} of "
                f"{ran['drift']} drift checks, {counts['exact']} of {ran['exact']} exact comparisons"
            )
            order = ("invariant", "drift", "exact")
            for outcome in sorted(failed, key=lambda o: (order.index(o.tier), o.horizon, o.item)):
                terminalreporter.write_line(f"  {summary_line(outcome)}")

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None:
            return
        if self.index is not None:
            reporter.write_line(f"report: {self.index}")
        elif self.not_published:
            reporter.write_line(f"report not published: {self.not_published}")
