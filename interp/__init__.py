"""interp: explain a CNN-LSTM indoor-CO2 forecaster and guard the explanations against regressions.

Public API (DESIGN §7)::

    interp.load_checkpoint(path) -> (model, CheckpointMeta)
    interp.embedded_dataset(horizon_hours, **config) -> Dataset
    interp.attribution.saliency / guided_backprop / layer_gradients
    interp.Study(model, dataset, horizon_hours)
    interp.save_checkpoint(path, model, dataset, training=…, data=…, metrics=…)   # after interp's own training
    interp.export_checkpoint(path, model, frame, horizon_hours, target=…, scaler=…) # a model trained elsewhere
"""

from interp import attribution
from interp.data.windows import Dataset, Scaler, embedded_dataset
from interp.errors import CheckpointError, ConfigError, DataError, InterpError, InvariantError
from interp.models.checkpoint import CheckpointMeta, export_checkpoint, load_checkpoint, save_checkpoint
from interp.study import Study

__all__ = [
    "CheckpointError",
    "CheckpointMeta",
    "ConfigError",
    "DataError",
    "Dataset",
    "InterpError",
    "InvariantError",
    "Scaler",
    "Study",
    "attribution",
    "embedded_dataset",
    "export_checkpoint",
    "load_checkpoint",
    "save_checkpoint",
]
