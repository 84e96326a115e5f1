"""interp: explain a CNN-LSTM indoor-CO2 forecaster and guard the explanations against regressions.

Public API (DESIGN §7)::

    interp.load_checkpoint(path) -> (model, CheckpointMeta)
    interp.embedded_dataset(horizon_hours, **config) -> Dataset
    interp.attribution.saliency / guided_backprop / layer_gradients
    interp.Study(model, dataset, horizon_hours)
"""

from interp import attribution
from interp.data.windows import Dataset, embedded_dataset
from interp.errors import CheckpointError, ConfigError, DataError, InterpError, InvariantError
from interp.models.checkpoint import CheckpointMeta, load_checkpoint
from interp.study import Study

__all__ = [
    "CheckpointError",
    "CheckpointMeta",
    "ConfigError",
    "DataError",
    "Dataset",
    "InterpError",
    "InvariantError",
    "Study",
    "attribution",
    "embedded_dataset",
    "load_checkpoint",
]
