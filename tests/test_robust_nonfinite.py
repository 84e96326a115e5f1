"""A broken model (NaN or ±inf weights) is reported, not crashed on: analyses return NaN, figures say so.

The unit cases feed NaN/inf straight into the analysis functions (warnings are errors in this suite, so a
RuntimeWarning fails them too); the study cases draw every catalog item of a model with an exploded conv1 bias
and of the healthy reference, and check which figures carry the "not finite" notice.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.text import Text

from interp import catalog
from interp.analyses.activations import effective_sample_size, regime_means
from interp.analyses.flow import maxpool_selection_counts, pearson_columns
from interp.analyses.quality import calibration_fit
from interp.analyses.spectra import power_spectrum
from interp.hooks import ModelState, model_unchanged
from interp.plots.finite import figure_note, not_finite_panel, not_finite_text
from interp.plots.style import draw_styled, new_figure
from interp.testing.breakage import broken, exploded

NAN, INF = float("nan"), float("inf")


def notices(fig) -> list[str]:
    """The texts of ``fig`` that say some values are not finite."""
    return [t.get_text() for t in fig.findobj(Text) if "not finite" in t.get_text()]


def test_notice_counts_the_non_finite_values_and_replaces_the_panel():
    fig = new_figure(4, 3)
    ax = fig.add_subplot()
    assert not_finite_panel(ax, np.array([1.0, NAN, INF, -INF]), np.arange(3), what="mean |∂ŷ/∂x|")
    (text,) = notices(fig)
    assert "mean |∂ŷ/∂x|" in text and "not finite: 3 of 7 values are NaN/inf" in " ".join(text.split())
    assert not ax.xaxis.get_tick_params()["labelbottom"]


def test_finite_values_draw_no_notice():
    fig = new_figure(4, 3)
    ax = fig.add_subplot()
    assert not not_finite_panel(ax, np.array([0.0, 1.0]), np.array([], dtype=float), what="x")
    assert not figure_note(fig, np.ones(3), what="x")
    assert notices(fig) == [] and not_finite_text(np.zeros(2)) is None


def test_effective_sample_size_of_a_non_finite_column_is_nan_without_warnings():
    values = np.column_stack([np.arange(10.0), np.r_[np.arange(9.0), INF], np.r_[NAN, np.arange(9.0)]])
    n_eff = effective_sample_size(values, np.arange(10), bandwidth=3)
    assert np.isfinite(n_eff[0]) and 1.0 <= n_eff[0] <= 10.0
    assert np.isnan(n_eff[1:]).all()


def test_regime_means_name_no_specialist_among_non_finite_filters():
    rng = np.random.default_rng(0)
    act = rng.random((12, 5, 4))
    act[:, 0] = INF  # filter 0 diverged: its High − Low is inf − inf
    act[:6, 1] += 1.0  # filter 1: higher in the High windows (0 … 5)
    regimes = np.r_[np.full(6, 2), np.full(6, 0)]
    result = regime_means(act, regimes, np.arange(12), bandwidth=2, top=3)
    assert np.isnan(result.high_minus_low[0])
    assert 0 not in result.specialists and result.specialists[0] == 1


def test_correlation_with_a_non_finite_column_is_nan_not_zero():
    a = np.column_stack([np.arange(6.0), np.r_[np.arange(5.0), NAN], np.ones(6)])
    r, a_constant, _ = pearson_columns(a, np.arange(6.0)[:, None] ** 2)
    assert np.isfinite(r[0, 0]) and np.isnan(r[1, 0]) and r[2, 0] == 0.0
    assert a_constant.tolist() == [False, False, True]


def test_calibration_of_a_non_finite_forecast_is_nan():
    fit = calibration_fit(np.arange(5.0), np.r_[np.arange(4.0), NAN])
    assert np.isnan([fit.slope, fit.intercept_ppm, fit.pearson_r]).all()


def test_power_share_of_a_non_finite_series_is_nan_and_of_a_constant_one_zero():
    series = np.vstack([np.sin(np.arange(48) / 3.0), np.r_[np.zeros(47), NAN], np.ones(48)])
    share = power_spectrum(series, 1.0).power_share
    assert np.isclose(share[0].sum(), 1.0)
    assert np.isnan(share[1]).all() and (share[2] == 0).all()


def test_pool_selection_counts_the_non_finite_inputs():
    x = torch.tensor([[[1.0, NAN, 3.0, 2.0]]])
    _, indices = torch.nn.functional.max_pool1d(x, 2, return_indices=True)
    result = maxpool_selection_counts(indices.numpy(), x.numpy())
    assert result.not_finite_inputs == 1


def test_model_state_compares_nan_and_inf_weights():
    """NaN weights are unchanged when they stay NaN; an inf that became the largest float is a change."""
    model = torch.nn.Linear(3, 2)
    with torch.no_grad():
        model.weight[0, 0] = NAN
        model.bias[0] = INF
    before = ModelState.of(model)
    with model_unchanged(model):
        model(torch.zeros(1, 3))
    assert before.differences(model) == []
    with torch.no_grad():
        model.bias[0] = torch.finfo(torch.float32).max
    assert before.differences(model) == ["state_dict['bias'] changed"]


@pytest.fixture(scope="module")
def exploded_study(reference_study):
    """The 1 h reference model with +inf conv1 bias (a diverged update): every activation is inf or NaN."""
    return broken(reference_study(1), exploded("conv1.bias"))


def _drawn_with_notice(study) -> set[str]:
    flagged = set()
    for item in catalog.items():
        if notices(draw_styled(item.draw, study)):
            flagged.add(item.id)
    return flagged


def test_every_figure_of_a_diverged_model_is_drawn_and_says_what_is_not_finite(exploded_study):
    """Only the figures of weights (A1, A3) and of the conv units' own input gradients (A8) stay finite."""
    ids = {item.id for item in catalog.items()}
    assert ids - _drawn_with_notice(exploded_study) == {"A1", "A3", "A8"}


def test_no_figure_of_the_healthy_reference_carries_a_notice(reference_study):
    assert _drawn_with_notice(reference_study(1)) == set()
