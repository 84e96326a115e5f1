"""Section E, CNN-LSTM-specific items (E1–E3), saved under ``cnn_lstm_specific/``."""

from __future__ import annotations

from typing import Any

from interp.analyses import ablation, flow
from interp.catalog import SECTION_FOLDERS, Item
from interp.plots import ablation as ablation_plots
from interp.plots import flow as flow_plots
from interp.study import Study

FOLDER = SECTION_FOLDERS["E-specific"]
TOP_FILTERS = 8
"""E1 metrics list the filters with the largest |r|."""


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
        "counts": result.counts,
        "first": result.first,
        "second": result.second,
        "ties": result.ties,
        "total": int(result.counts.sum()),
        "expected_total": result.expected_total,
        "outside_window": result.outside_window,
        "second_fraction": result.second_fraction,
        "second_fraction_without_ties": result.second_fraction_without_ties,
    }


def _e3_metrics(study: Study) -> dict[str, Any]:
    result = ablation.layer_ablation(study)
    return {
        name: {"rmse_ppm": rmse, "mae_ppm": mae, "rmse_ratio": ratio}
        for name, rmse, mae, ratio in zip(
            result.configurations, result.rmse_ppm, result.mae_ppm, result.rmse_ratio, strict=True
        )
    }


ITEMS: tuple[Item, ...] = (
    Item(
        "E1",
        "filter_output_correlation",
        FOLDER,
        "Filter-output correlation: conv2 filters' mean activation vs predicted CO2",
        draw=lambda s: flow_plots.filter_output_correlation(flow.filter_output_correlation(s)),
        metrics=_e1_metrics,
        invariants=lambda s: flow.check_filter_output_correlation(flow.filter_output_correlation(s)),
    ),
    Item(
        "E2",
        "maxpool_selection",
        FOLDER,
        "MaxPool selection frequency over input steps",
        draw=lambda s: flow_plots.maxpool_selection(flow.maxpool_selection(s)),
        metrics=_e2_metrics,
        invariants=lambda s: flow.check_maxpool_selection(flow.maxpool_selection(s)),
    ),
    Item(
        "E3",
        "layer_ablation",
        FOLDER,
        "Layer ablation impact: RMSE with conv1 / conv2 zeroed and LSTM-only",
        draw=lambda s: ablation_plots.layer_ablation(ablation.layer_ablation(s)),
        metrics=_e3_metrics,
        invariants=lambda s: ablation.check_layer_ablation(ablation.layer_ablation(s)),
    ),
)
