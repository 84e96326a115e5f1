"""Section D, temporal patterns (D1–D6), per horizon: figure, then invariants + metrics snapshot."""

from __future__ import annotations

import pytest


@pytest.mark.mpl_image_compare
def test_d1_filter_activation_fft(figure_of):
    return figure_of("D1")


def test_d1_filter_activation_fft_metrics(metrics_of):
    metrics_of("D1")


@pytest.mark.mpl_image_compare
def test_d2_hidden_state_fft(figure_of):
    return figure_of("D2")


def test_d2_hidden_state_fft_metrics(metrics_of):
    metrics_of("D2")


@pytest.mark.mpl_image_compare
def test_d3_hidden_state_acf(figure_of):
    return figure_of("D3")


def test_d3_hidden_state_acf_metrics(metrics_of):
    metrics_of("D3")


@pytest.mark.mpl_image_compare
def test_d4_residual_fft(figure_of):
    return figure_of("D4")


def test_d4_residual_fft_metrics(metrics_of):
    metrics_of("D4")


@pytest.mark.mpl_image_compare
def test_d5_rolling_rmse(figure_of):
    return figure_of("D5")


def test_d5_rolling_rmse_metrics(metrics_of):
    metrics_of("D5")


@pytest.mark.mpl_image_compare
def test_d6_phase_aligned_error(figure_of):
    return figure_of("D6")


def test_d6_phase_aligned_error_metrics(metrics_of):
    metrics_of("D6")
