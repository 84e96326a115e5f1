"""CO2 regimes: Low < 800 ppm ≤ Medium < 1200 ppm ≤ High, bounds configurable (DESIGN §3.3)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from interp.data.regimes import regime_of

ppm = st.floats(0.0, 5000.0, allow_nan=False)
bounds = st.tuples(st.floats(300.0, 2000.0), st.floats(1.0, 2000.0)).map(lambda b: (b[0], b[0] + b[1]))


@settings(max_examples=50)
@given(arrays(np.float64, st.integers(0, 50), elements=ppm), bounds)
def test_regime_follows_its_definition(values, b):
    codes = regime_of(values, b)
    assert codes.dtype == np.int8 and codes.shape == values.shape
    expected = np.where(values < b[0], 0, np.where(values < b[1], 1, 2))
    np.testing.assert_array_equal(codes, expected)


@settings(max_examples=50)
@given(bounds)
def test_a_value_on_a_bound_goes_to_the_upper_regime(b):
    np.testing.assert_array_equal(regime_of(np.array([b[0], b[1]]), b), [1, 2])
    below = np.nextafter(np.array(b), -np.inf)
    np.testing.assert_array_equal(regime_of(below, b), [0, 1])


@settings(max_examples=50)
@given(arrays(np.float64, st.integers(1, 50), elements=ppm), bounds)
def test_regimes_are_monotone_in_ppm(values, b):
    codes = regime_of(np.sort(values), b)
    assert (np.diff(codes) >= 0).all()


def test_default_bounds_are_800_and_1200_ppm():
    codes = regime_of(np.array([[420.0, 799.9], [800.0, 1199.9], [1200.0, 2500.0]]))
    np.testing.assert_array_equal(codes, [[0, 0], [1, 1], [2, 2]])


@pytest.mark.parametrize("b", [(1200.0, 800.0), (900.0, 900.0)])
def test_bounds_must_increase(b):
    with pytest.raises(ValueError, match="must increase"):
        regime_of(np.array([1000.0]), b)
