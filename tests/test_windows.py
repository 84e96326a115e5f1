"""Windows, chronological splits, scaling and regimes (DESIGN §3.3), as properties of random gappy frames."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from interp.config import DECOY_FEATURE, DataConfig
from interp.data.regimes import regime_of
from interp.data.synthetic import indoor_co2
from interp.data.windows import Dataset, Split, embedded_dataset, hours_to_steps, make_dataset
from interp.errors import DataError


@dataclasses.dataclass(frozen=True)
class Case:
    """A random frame with gaps, and how to window it."""

    frame: pd.DataFrame
    horizon_hours: float
    config: DataConfig


@st.composite
def gappy_frames(draw: st.DrawFn) -> Case:
    """400–900 rows at 1 h or 30 min with up to six gaps of 1–8 missing rows; co2 plus two other features."""
    n = draw(st.integers(400, 900))
    step = draw(st.sampled_from(["1h", "30min"]))
    removed: set[int] = set()
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(1, n - 10))
        removed.update(range(start, start + draw(st.integers(1, 8))))
    keep = np.setdiff1d(np.arange(n), sorted(removed))
    index = pd.date_range("2025-02-03", periods=n, freq=step, name="timestamp")[keep]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    frame = pd.DataFrame(
        {
            "temperature": rng.normal(21, 2, len(keep)),
            "co2": rng.uniform(400, 1600, len(keep)),
            "constant": np.full(len(keep), 3.0),
        },
        index=index,
    )
    config = DataConfig(lookback_hours=draw(st.sampled_from([1.0, 2.0, 4.0])))
    return Case(frame, draw(st.sampled_from([1.0, 2.0])), config)


def window(case: Case) -> Dataset:
    try:
        return make_dataset(
            case.frame, case.horizon_hours, case.config, source="random", max_dropped_share=1.0
        )
    except DataError as error:
        assert "windows" in str(error)
        reject()  # too few windows left by the gaps: make_dataset refuses, as it should


def window_rows(frame: pd.DataFrame, split: Split, dataset: Dataset) -> np.ndarray:
    """``(N, lookback + horizon)`` positions in ``frame`` of each window's rows, back from its target."""
    target = frame.index.get_indexer(pd.DatetimeIndex(split.t_target))
    assert (target >= 0).all()
    span = dataset.lookback_steps + dataset.horizon_steps
    return target[:, None] - np.arange(span)[::-1][None, :]


def contiguous(frame: pd.DataFrame, rows: np.ndarray, resolution: pd.Timedelta) -> np.ndarray:
    """``(N,)`` bool: the rows of each window follow each other one step apart (no gap inside)."""
    times = frame.index.as_unit("ns").asi8[rows]
    return (rows[:, 0] >= 0) & (np.diff(times, axis=1) == resolution.value).all(axis=1)


def parts(dataset: Dataset) -> tuple[Split, Split, Split]:
    return dataset.train, dataset.val, dataset.test


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(gappy_frames())
def test_every_window_is_contiguous_and_holds_its_rows(case):
    dataset = window(case)
    values = case.frame.to_numpy()
    scaled = (values - dataset.scaler.mean) / dataset.scaler.scale
    for split in parts(dataset):
        rows = window_rows(case.frame, split, dataset)
        assert contiguous(case.frame, rows, dataset.resolution).all()
        last_input = case.frame.index.get_indexer(pd.DatetimeIndex(split.t_last_input))
        np.testing.assert_array_equal(rows[:, dataset.lookback_steps - 1], last_input)
        np.testing.assert_allclose(split.x.numpy(), scaled[rows[:, : dataset.lookback_steps]], atol=1e-5)
        np.testing.assert_allclose(
            dataset.to_ppm(split.y), values[rows[:, dataset.lookback_steps :], 1], rtol=1e-6
        )


@SETTINGS
@given(gappy_frames())
def test_splits_are_chronological_with_a_gap_and_never_overlap(case):
    dataset = window(case)
    span = dataset.lookback_steps + dataset.horizon_steps
    rows = [window_rows(case.frame, split, dataset) for split in parts(dataset)]
    for split in parts(dataset):
        assert (np.diff(split.t_last_input.astype(np.int64)) > 0).all()  # time order inside a split
    for earlier, later in itertools.pairwise(rows):
        assert later.min() - earlier.max() - 1 >= span  # ≥ lookback + horizon rows between parts
    used = [set(r.ravel()) for r in rows]
    assert not used[0] & used[1] and not used[1] & used[2] and not used[0] & used[2]


@SETTINGS
@given(gappy_frames())
def test_the_scaler_sees_the_training_rows_only(case):
    dataset = window(case)
    n_train_rows = round(case.config.split[0] * len(case.frame))
    train_rows = case.frame.to_numpy()[:n_train_rows]
    np.testing.assert_allclose(dataset.scaler.mean, train_rows.mean(axis=0), rtol=1e-12)
    assert dataset.scaler.scale[2] == 1.0  # a constant column is centred, not divided by zero
    np.testing.assert_allclose(
        ((train_rows - dataset.scaler.mean) / dataset.scaler.scale).mean(axis=0), 0, atol=1e-9
    )

    first_val_row = window_rows(case.frame, dataset.val, dataset).min()
    changed = case.frame.copy()
    changed.iloc[first_val_row:] *= 10.0  # later rows must not leak into the scaler
    rescaled = make_dataset(changed, case.horizon_hours, case.config, source="random").scaler
    np.testing.assert_array_equal(rescaled.mean, dataset.scaler.mean)
    np.testing.assert_array_equal(rescaled.scale, dataset.scaler.scale)


@SETTINGS
@given(gappy_frames())
def test_test_regimes_are_the_regime_of_the_last_horizon_target(case):
    dataset = window(case)
    target_ppm = case.frame.loc[pd.DatetimeIndex(dataset.test.t_target), "co2"].to_numpy()
    np.testing.assert_array_equal(dataset.test_regimes, regime_of(target_ppm, dataset.regime_bounds))
    np.testing.assert_allclose(dataset.to_ppm(dataset.test.y[:, -1]), target_ppm, rtol=1e-6)
    steps_ahead = pd.DatetimeIndex(dataset.test.t_target) - pd.DatetimeIndex(dataset.test.t_last_input)
    assert (steps_ahead == dataset.horizon_steps * dataset.resolution).all()


@SETTINGS
@given(gappy_frames())
def test_the_data_report_counts_the_windows_a_gap_free_frame_would_give(case):
    """Windows kept are the splits' windows; windows possible are those of the same span without gaps."""
    dataset = window(case)
    report = dataset.data_report
    assert report.windows_kept == tuple(len(split.x) for split in parts(dataset))
    full_index = pd.date_range(case.frame.index[0], case.frame.index[-1], freq=dataset.resolution)
    full = case.frame.reindex(full_index).interpolate()
    gap_free = make_dataset(full, case.horizon_hours, case.config, source="random").data_report
    assert (report.rows_kept, report.rows_missing) == (len(case.frame), len(full) - len(case.frame))
    assert report.windows_possible == gap_free.windows_possible == sum(gap_free.windows_kept)
    assert gap_free.windows_dropped == 0 and gap_free.rows_missing == 0
    assert report.windows_dropped >= 0


def test_the_contiguity_check_catches_a_window_across_a_gap():
    frame = pd.DataFrame(index=pd.date_range("2025-01-01", periods=12, freq="1h").delete([5, 6]))
    rows = np.array([[0, 1, 2, 3, 4], [2, 3, 4, 5, 6], [5, 6, 7, 8, 9]])  # the middle one straddles 05–06 h
    np.testing.assert_array_equal(contiguous(frame, rows, pd.Timedelta("1h")), [True, False, True])


def test_hours_to_steps_rejects_a_duration_off_the_grid():
    assert hours_to_steps(1.5, pd.Timedelta("30min"), "horizon") == 3
    with pytest.raises(DataError, match="not a whole number of"):
        hours_to_steps(1.25, pd.Timedelta("30min"), "horizon")


@pytest.fixture(scope="module")
def embedded() -> dict[int, Dataset]:
    frame = indoor_co2()
    return {h: make_dataset(frame, h) for h in (1, 24)}


@pytest.mark.parametrize("hours", [1, 24])
def test_embedded_windows_have_the_design_shape(embedded, hours):
    dataset = embedded[hours]
    assert dataset.is_embedded
    assert (dataset.lookback_steps, dataset.horizon_steps) == (24, hours)
    assert dataset.test.x.shape[1:] == (24, 10)
    assert dataset.test.y.shape[1:] == (hours,)
    n = [len(s.x) for s in parts(dataset)]
    assert n[0] / sum(n) == pytest.approx(0.70, abs=0.03)


@pytest.mark.parametrize("hours", [1, 24])
def test_each_regime_holds_at_least_5_percent_of_the_embedded_test_windows(embedded, hours):
    shares = np.bincount(embedded[hours].test_regimes, minlength=3) / len(embedded[hours].test_regimes)
    assert (shares >= 0.05).all(), f"regime shares {shares} at h{hours}"


def decoy_stays_in_training_range(dataset: Dataset) -> bool:
    """Whether the test windows' decoy stays within the training windows' range ± 20 % of that range, with
    its mean within one training standard deviation of the training mean (what a random walk fails)."""
    p = dataset.feature_names.index(DECOY_FEATURE)
    train, test = (split.x[:, :, p].numpy() for split in (dataset.train, dataset.test))
    low, high = train.min(), train.max()
    margin = 0.2 * (high - low)
    in_range = low - margin <= test.min() and test.max() <= high + margin
    return bool(in_range and abs(test.mean() - train.mean()) < train.std())


@pytest.mark.parametrize("hours", [1, 24])
def test_the_decoy_pressure_is_stationary(embedded, hours):
    assert decoy_stays_in_training_range(embedded[hours])


def test_a_drifting_decoy_would_leave_its_training_range():
    frame = indoor_co2(days=60)
    frame[DECOY_FEATURE] += 0.05 * np.arange(len(frame))  # +1.2 hPa a day: the drift of a random walk
    assert not decoy_stays_in_training_range(make_dataset(frame, 1))


def test_embedded_dataset_is_the_windowed_embedded_room(embedded):
    assert embedded_dataset(24).fingerprint == embedded[24].fingerprint


@pytest.mark.parametrize("hours", [1, 24])
def test_too_few_rows_message_asks_for_enough_rows(hours):
    """The row count the error asks for is enough (and one row fewer than it is not far off)."""
    import re

    room = indoor_co2(days=60)
    with pytest.raises(DataError) as caught:
        make_dataset(room.iloc[:300], hours)
    asked = int(re.search(r"at least (\d+) gap-free rows", str(caught.value)).group(1))
    make_dataset(room.iloc[:asked], hours)
    with pytest.raises(DataError):
        make_dataset(room.iloc[: asked - 8], hours)
