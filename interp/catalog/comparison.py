"""Cross-horizon catalog items E8–E10 (plan E5), drawn from the 1 h and the 24 h study together."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from interp import nulls
from interp.analyses import comparison as analyses
from interp.analyses.quality import prediction_metrics
from interp.catalog import CrossItem, Invariant
from interp.plots import comparison as plots
from interp.study import Study
from interp.verdict import Verdict, prediction_bound, span


def error_grows_with_horizon(s1: Study, s24: Study) -> Verdict:
    """E8 (learned): the 24 h forecast's RMSE exceeds the 1 h one's by more than in untrained networks.

    An untrained network's error is the spread of CO2 at both horizons (ratio ≈ 1); a trained one's 1 h error
    is far smaller than its 24 h error. Nulls: the random initialisations of each study, paired by seed.
    """
    m = analyses.metrics_summary(s1, s24)
    null = np.array(
        [
            prediction_metrics(n24).rmse_last / prediction_metrics(n1).rmse_last
            for n1, n24 in zip(nulls.null_studies(s1), nulls.null_studies(s24), strict=True)
        ]
    )
    return Verdict(
        float(m.rmse[1] / m.rmse[0]) if m.rmse[0] > 0 else float("nan"),
        ">",
        prediction_bound(null, "higher"),
        "RMSE at 24 h / RMSE at 1 h (last horizon step)",
        context=f"random-init pairs {span(null)}, 99 % bound; RMSE {m.rmse[0]:.1f} ppm at 1 h, "
        f"{m.rmse[1]:.1f} ppm at 24 h",
        fix="Check that the 1 h checkpoint is trained and that the two studies are not swapped.",
    )


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text with floats at 6 significant digits (deterministic, no quoting needed for these values)."""

    def cell(v: Any) -> str:
        return f"{v:.6g}" if isinstance(v, (float, np.floating)) else str(v)

    return "\n".join([",".join(header), *(",".join(cell(v) for v in row) for row in rows)]) + "\n"


def _e8_metrics(s1: Study, s24: Study) -> Mapping[str, Any]:
    m = analyses.metrics_summary(s1, s24)
    tags = ("h1", "h24")
    return {
        "rmse_ppm": dict(zip(tags, m.rmse, strict=True)),
        "mae_ppm": dict(zip(tags, m.mae, strict=True)),
        "r2": dict(zip(tags, m.r2, strict=True)),
        "skill_over_persistence": dict(zip(tags, m.skill_persistence, strict=True)),
        "skill_over_hour_of_day": dict(zip(tags, m.skill_hour_of_day, strict=True)),
        "rmse_ratio_24h_to_1h": float(m.rmse[1] / m.rmse[0]) if m.rmse[0] > 0 else float("nan"),
    }


def _e8_table(s1: Study, s24: Study) -> Mapping[str, str]:
    m = analyses.metrics_summary(s1, s24)
    rows = zip(
        m.horizons_hours,
        m.rmse,
        m.mae,
        m.r2,
        m.skill_persistence,
        m.skill_hour_of_day,
        m.n_windows,
        strict=True,
    )
    header = (
        "horizon_hours",
        "rmse_ppm",
        "mae_ppm",
        "r2",
        "skill_over_persistence",
        "skill_over_hour_of_day",
        "windows",
    )
    return {"E8_metrics_summary.csv": _csv(header, rows)}


def _e9_metrics(s1: Study, s24: Study) -> Mapping[str, Any]:
    r = analyses.attribution_shift(s1, s24)
    names = r.feature_names
    return {
        "importance_h1": dict(zip(names, r.importance_1h, strict=True)),
        "importance_h24": dict(zip(names, r.importance_24h, strict=True)),
        "shift": dict(zip(names, r.shift, strict=True)),
        "spearman": r.spearman,
        "top_feature_h1": names[int(np.argmin(r.rank_1h))],
        "top_feature_h24": names[int(np.argmin(r.rank_24h))],
    }


def _e9_table(s1: Study, s24: Study) -> Mapping[str, str]:
    r = analyses.attribution_shift(s1, s24)
    rows = zip(
        r.feature_names, r.importance_1h, r.importance_24h, r.shift, r.rank_1h, r.rank_24h, strict=True
    )
    header = ("feature", "importance_h1", "importance_h24", "shift", "rank_h1", "rank_h24")
    return {"E9_attribution_shift.csv": _csv(header, rows)}


def _e10_metrics(s1: Study, s24: Study) -> Mapping[str, Any]:
    r = analyses.filter_importance_shift(s1, s24)
    return {
        "importance_h1": r.importance_1h,
        "importance_h24_paired": r.importance_24h,
        "spearman": r.spearman,
        "identity_fraction": r.identity_fraction,
        "mean_pair_correlation": float(np.mean(r.match_correlation)),
        "movers": r.movers,
        "movers_rank_change": r.rank_change[r.movers],
    }


def _e10_table(s1: Study, s24: Study) -> Mapping[str, str]:
    r = analyses.filter_importance_shift(s1, s24)
    rows = zip(
        range(len(r.match)),
        r.match,
        r.match_correlation,
        r.importance_1h,
        r.importance_24h,
        r.rank_1h,
        r.rank_24h,
        strict=True,
    )
    header = (
        "filter_h1",
        "filter_h24",
        "pair_correlation",
        "importance_h1",
        "importance_h24",
        "rank_h1",
        "rank_h24",
    )
    return {"E10_filter_importance_shift.csv": _csv(header, rows)}


ITEMS: tuple[CrossItem, ...] = (
    CrossItem(
        "E8",
        "metrics_summary",
        "Metrics summary: RMSE, MAE and R² at the last horizon step and skill over naive forecasts, 1 h vs 24 h",
        draw=lambda s1, s24: plots.metrics_table(analyses.metrics_summary(s1, s24)),
        metrics=_e8_metrics,
        invariants=(
            Invariant(
                "error-grows-with-horizon",
                error_grows_with_horizon,
                "learned",
                "a trained forecaster is much more accurate one hour ahead than a day ahead",
            ),
        ),
        tables=_e8_table,
    ),
    CrossItem(
        "E9",
        "attribution_shift",
        "Feature attribution shift between horizons (normalised mean |input gradient|)",
        draw=lambda s1, s24: plots.attribution_shift(analyses.attribution_shift(s1, s24)),
        metrics=_e9_metrics,
        tables=_e9_table,
    ),
    CrossItem(
        "E10",
        "filter_importance_shift",
        "CNN filter importance shift: conv2 filters paired across horizons, gradient × activation",
        draw=lambda s1, s24: plots.filter_importance_shift(analyses.filter_importance_shift(s1, s24)),
        metrics=_e10_metrics,
        tables=_e10_table,
    ),
)
