"""Section E, CNN-LSTM-specific items (E1–E3), saved under ``cnn_lstm_specific/``.

E3's ablation ratios are drift, not invariants: at 24 h several healthy retrains' forecasts barely depend on
half of a conv block (RMSE ratio 0.99–1.01 for seeds 1–3, as for random networks), so "the block matters" is not
a property every trained model has. At 1 h every healthy retrain's ratio is 1.7–2.9 and the drift tier tracks it.
"""

from __future__ import annotations

from typing import Any

from interp.analyses import ablation, flow
from interp.catalog import SECTION_FOLDERS, Drift, Invariant, Item
from interp.plots import ablation as ablation_plots
from interp.plots import flow as flow_plots
from interp.study import Study
from interp.verdict import Verdict

FOLDER = SECTION_FOLDERS["E-specific"]
TOP_FILTERS = 8
"""E1 metrics list the filters with the largest |r|."""


def selections_in_own_window(study: Study) -> Verdict:
    """E2 (structural): N·C·(L/2) selections, each inside its own pool window."""
    result = flow.maxpool_selection(study)
    wrong = result.outside_window + abs(int(result.counts.sum()) - result.expected_total)
    return Verdict(
        wrong,
        "==",
        0,
        "max-pool selections outside their own window or missing",
        context=f"{int(result.counts.sum())} selections for {result.expected_total} expected, "
        f"{result.outside_window} outside their window",
        fix="The pool is not a non-overlapping MaxPool1d over the conv2 output; check kernel, stride, padding.",
    )


def _ablation_ratio(configuration: str):
    def ratio(study: Study) -> float:
        result = ablation.layer_ablation(study)
        return result.rmse(configuration) / result.rmse(ablation.INTACT)

    return ratio


def _e1_metrics(study: Study) -> dict[str, Any]:
    result = flow.filter_output_correlation(study)
    top = result.ranking[:TOP_FILTERS]
    return {
        "r_last_step": result.r,
        "top_filters": top,
        "top_r": result.r[top],
        "max_abs_r": float(abs(result.r[top[0]])),
        "mean_abs_r": float(abs(result.r).mean()),
        "n_constant_filters": result.n_constant,
        "prediction_constant": result.prediction_constant,
    }


def _e2_metrics(study: Study) -> dict[str, Any]:
    result = flow.maxpool_selection(study)
    return {
        "decided_counts": result.decided_counts,
        "ties": result.ties,
        "outside_window": result.outside_window,
        "second_share": result.second_share,
        "tie_share": result.tie_share,
    }


def _e3_metrics(study: Study) -> dict[str, Any]:
    result = ablation.layer_ablation(study)
    return {
        "configurations": {
            name: {
                "rmse_ppm": rmse,
                "mae_ppm": mae,
                "rmse_ratio": ratio,
                "rmse_range_ppm": rmse_range,
                "prediction_std_ppm": std,
            }
            for name, rmse, mae, ratio, rmse_range, std in zip(
                result.configurations,
                result.rmse_ppm,
                result.mae_ppm,
                result.rmse_ratio,
                result.rmse_range_ppm,
                result.prediction_std_ppm,
                strict=True,
            )
        },
        "input_removed_rmse_ppm": result.input_removed_rmse_ppm,
        "lstm_only_beats_cnn_lstm": bool(
            result.has_comparison and result.rmse(ablation.LSTM_ONLY) < result.rmse(ablation.INTACT)
        ),
    }


ITEMS: tuple[Item, ...] = (
    Item(
        "E1",
        "filter_output_correlation",
        FOLDER,
        "Filter-output correlation: conv2 filters' mean activation vs predicted CO2",
        draw=lambda s: flow_plots.filter_output_correlation(flow.filter_output_correlation(s)),
        metrics=_e1_metrics,
    ),
    Item(
        "E2",
        "maxpool_selection",
        FOLDER,
        "MaxPool selection frequency over input steps",
        draw=lambda s: flow_plots.maxpool_selection(flow.maxpool_selection(s)),
        metrics=_e2_metrics,
        invariants=(
            Invariant(
                "selections-in-own-window",
                selections_in_own_window,
                "structural",
                "a MaxPool1d(2) makes one selection per output inside its own window, for any weights",
            ),
        ),
    ),
    Item(
        "E3",
        "layer_ablation",
        FOLDER,
        "Layer ablation impact: RMSE with half of conv1's / conv2's filters mean-ablated, and LSTM-only",
        draw=lambda s: ablation_plots.layer_ablation(ablation.layer_ablation(s)),
        metrics=_e3_metrics,
        drift=(
            Drift(
                "conv1-ablation-ratio",
                "RMSE with half of conv1 mean-ablated / intact RMSE (lower: the forecast leans less on conv1)",
                "lower",
                value=_ablation_ratio(ablation.CONV1_HALF),
                resolution=0.01,
            ),
            Drift(
                "conv2-ablation-ratio",
                "RMSE with half of conv2 mean-ablated / intact RMSE (lower: the forecast leans less on conv2)",
                "lower",
                value=_ablation_ratio(ablation.CONV2_HALF),
                resolution=0.01,
            ),
        ),
    ),
)
