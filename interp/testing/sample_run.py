"""A small gate run with one of every case the report shows, for the report's tests (no model is studied).

:func:`sample_run` writes the run's figures and a table into a results tree and returns its
:class:`~interp.runrecord.RunReport`: items at 1 h and 24 h and one cross-horizon item. The 1 h model is the
accepted one (the exact tier applies: 1 h B4's image comparison fails, with baseline, new and difference images);
the 24 h model is a retrain (exact tier skipped, accepted figures beside the new ones; 24 h E5 fails an invariant
and 24 h B2 a drift check). C2 asserts nothing ("drawn"); metric vectors of 32 values; provenance. Every figure
has its own size, so a test can tell which file a browser decoded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from interp.gate.outcome import CheckOutcome
from interp.runrecord import ItemRecord, RunReport

SHA_H1 = "667ada05785d73f06257abf11df765132fbfe8904b6a3cead8462f20bae2397a"
SHA_H24 = "c4ba48e09799b3fb1a2dd5f6e6b1a1b8f4f8cda0d3b2f1e0c9a8b7c6d5e4f3a2"
FINGERPRINT = "ef32eb8b8bd44375baa07a2300003a5f1d473c8ae70379404a34775ab3d634ca"

FOLDERS = {
    "A2": ("cnn_filters", "layer1_filter_norms", "Layer-1 filter L2 norms"),
    "B2": ("gradient_attribution", "feature_importance", "Per-feature gradient importance"),
    "B4": ("gradient_attribution", "guided_backprop", "Guided backprop heatmap"),
    "C2": ("hidden_state_analysis", "cnn_embedding_by_hour", "CNN feature-map PCA by hour of day"),
    "E5": ("predictions", "prediction_scatter", "Prediction scatter with R²"),
    "E8": ("comparison", "metrics_summary", "Metrics summary, 1 h vs 24 h"),
}
"""Plan id → (folder, slug, title) of the sample's items."""


def write_png(path: Path, width: int, height: int, shade: int) -> None:
    """Write a plain PNG of ``width`` × ``height`` pixels with a band and a diagonal stripe."""
    pixels = np.full((height, width, 3), 255, dtype=np.uint8)
    rows = np.arange(height)
    pixels[rows, (rows * width) // height] = (shade, 40, 255 - shade)
    pixels[: height // 8, :, :] = (shade, 120, 80)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, format="PNG")


def _record(
    tree: Path, horizon: str, item: str, width: int, metrics: dict, **figures: str | None
) -> ItemRecord:
    folder, slug, title = FOLDERS[item]
    where = folder if horizon == "cross" else f"{horizon}/{folder}"
    figure = f"{where}/{item}_{slug}.png"
    write_png(tree / figure, width, 300, width % 256)
    tables: tuple[str, ...] = ()
    if item == "B2":
        tables = (f"{where}/B2_feature_importance.csv",)
        (tree / tables[0]).write_text("feature,importance\nco2,0.19\npressure,0.06\n", encoding="utf-8")
    for kind, path in figures.items():
        if path is not None:
            write_png(tree / path, width, 300, (width + (40 if kind == "accepted_figure" else 90)) % 256)
    return ItemRecord(horizon, item, slug, title, folder, figure, tables, metrics, **figures)


def _outcome(tier: str, horizon: str, item: str, name: str, status: str, **fields) -> CheckOutcome:
    return CheckOutcome(tier, horizon, item, name, status, **fields)


def sample_run(tree: Path) -> RunReport:
    """Write the sample run's files into ``tree`` and return what it found (see the module docstring)."""
    rng = np.random.default_rng(0)
    a2 = {
        "dormant_count": 0,
        "norms": [round(float(v), 4) for v in rng.uniform(0.7, 2.2, 32)],
        "zero_share": [round(float(v), 4) for v in rng.uniform(0.0, 1.0, 32)],
    }
    b2 = {
        "decoy_rank": 10,
        "feature_importance": {"co2": 0.19, "pressure": 0.06},
        "ranking": ["co2", "pressure"],
    }
    e5 = {"r2_last": 0.93, "rmse_ppm_last": 98.45, "centroid_time_hours": -4.8}
    records = []
    for horizon, width in (("h1", 600), ("h24", 620)):
        records += [
            _record(tree, horizon, "A2", width, a2),
            _record(tree, horizon, "B2", width + 2, b2),
            _record(
                tree,
                horizon,
                "B4",
                width + 4,
                {"relative_difference": 0.59},
                accepted_figure=f"accepted/{horizon}/gradient_attribution/B4_guided_backprop.png",
                diff_figure=f"exact/{horizon}-B4-diff.png" if horizon == "h1" else None,
            ),
            _record(tree, horizon, "C2", width + 6, {}),
            _record(
                tree,
                horizon,
                "E5",
                width + 8,
                e5,
                accepted_figure=f"accepted/{horizon}/predictions/E5_prediction_scatter.png"
                if horizon == "h24"
                else None,
            ),
        ]
    records.append(_record(tree, "cross", "E8", 700, {"rmse_ppm": {"h1": 98.45, "h24": 281.2}}))
    skill = "MSE skill over the best naive forecast, all steps"
    decoy = "gradient-importance share of the decoy 'pressure' (model − baseline)"
    rms = "RMS difference from the baseline image (0–255)"
    skipped = "exact tier skipped: the model under test (cnn_lstm_h24.pt) is not the accepted baseline"
    outcomes = [
        _outcome("invariant", "h1", "A2", "dormant-filters", "passed", value=0.0, threshold=0.5, op="<"),
        _outcome("invariant", "h24", "A2", "dormant-filters", "passed", value=0.0, threshold=0.5, op="<"),
        _outcome("invariant", "h1", "E5", "skill-over-naive", "passed", value=0.47, threshold=0.0, op=">"),
        _outcome(
            "invariant",
            "h24",
            "E5",
            "skill-over-naive",
            "failed",
            kind="learned",
            value=-1.907,
            threshold=0.0,
            op=">",
            measure=skill,
            direction="too low",
            message=f"{skill} = -1.907; expected > 0 (skill over persistence -0.654) — too low. Retrain.",
        ),
        _outcome(
            "drift", "h1", "B2", "decoy-share", "passed", measure=decoy, message="no drift by definition"
        ),
        _outcome(
            "drift",
            "h24",
            "B2",
            "decoy-share",
            "failed",
            kind="higher",
            value=0.0784,
            threshold=0.03645,
            op="<=",
            measure=decoy,
            direction="too high",
            message=f"{decoy} = 0.0784; expected <= 0.03645 (model 0.173, baseline 0.09462; healthy retrains "
            "-0.01806–0.01275) — too high. Compare the two models' figures.",
        ),
        _outcome(
            "exact",
            "h1",
            "B4",
            "figure",
            "failed",
            value=15.51,
            threshold=2.0,
            op="<=",
            measure=rms,
            direction="differs",
            message=f"{rms} = 15.51; expected <= 2",
        ),
        _outcome("exact", "h1", "E5", "figure", "passed", value=0.0, threshold=2.0, op="<=", measure=rms),
        *(_outcome("exact", "h24", item, "figure", "skipped", message=skipped) for item in ("B4", "E5")),
        _outcome("invariant", "cross", "E8", "skill-ordering", "passed", value=2.9, threshold=1.0, op=">"),
    ]
    provenance = {
        "git_commit": "2ab602313ec105673fc0ec1444e96023d29d2560+dirty",
        "versions": {"python": "3.11.7", "torch": "2.13.0+cpu"},
        "command": "python -m interp study --checkpoint-dir retrain/",
        "h1": {
            "checkpoints": {"cnn_lstm_h1.pt": {"path": "retrain/cnn_lstm_h1.pt", "sha256": SHA_H1}},
            "model_class": "CNNLSTMForecaster",
            "data_source": "embedded",
            "data_fingerprint": FINGERPRINT,
            "is_accepted_baseline": True,
        },
        "h24": {
            "checkpoints": {"cnn_lstm_h24.pt": {"path": "retrain/cnn_lstm_h24.pt", "sha256": SHA_H24}},
            "model_class": "CNNLSTMForecaster",
            "data_source": "embedded",
            "data_fingerprint": FINGERPRINT,
            "is_accepted_baseline": False,
        },
    }
    return RunReport(tuple(records), tuple(outcomes), provenance)
