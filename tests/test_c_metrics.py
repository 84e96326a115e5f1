"""Section C metrics hold results of the model under study: no description strings, shapes or fixed parameters
(those would sit in every snapshot whatever the model)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from interp.catalog import representations as catalog
from interp.metrics import to_jsonable
from interp.models import CNNLSTMForecaster
from interp.study import Study


def _leaves(value, path=""):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, f"{path}.{key}")
    elif isinstance(value, list) and value and isinstance(value[0], (list, dict)):
        for i, inner in enumerate(value):
            yield from _leaves(inner, f"{path}[{i}]")
    else:
        yield path, value


def _study(dataset, seed: int) -> Study:
    torch.manual_seed(seed)
    return Study(CNNLSTMForecaster(dataset.n_features, dataset.horizon_steps).eval(), dataset)


@pytest.fixture(scope="module")
def two_models(small_dataset):
    return _study(small_dataset, 0), _study(small_dataset, 1)


def test_section_c_metrics_hold_no_description_strings(two_models):
    study, _ = two_models
    for item in catalog.ITEMS:
        strings = [path for path, v in _leaves(to_jsonable(item.metrics(study))) if isinstance(v, str)]
        assert not strings, f"{item.id}: {strings}"


@pytest.mark.parametrize("item_id", ["C1", "C8"])
def test_every_c1_c8_entry_moves_with_the_model(two_models, item_id):
    """Two different networks on the same windows differ in every entry; a shape or parameter would not."""
    (item,) = [i for i in catalog.ITEMS if i.id == item_id]
    first, second = (to_jsonable(item.metrics(s)) for s in two_models)
    assert first.keys() == second.keys()
    same = [key for key in first if np.array_equal(np.asarray(first[key]), np.asarray(second[key]))]
    assert not same, f"{item_id} entries equal for two different models: {same}"
