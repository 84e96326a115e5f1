"""Models under study and their checkpoints."""

from interp.models.cnn_lstm import CNNLSTMForecaster
from interp.models.lstm import LSTMForecaster

MODEL_CLASSES = {"CNNLSTMForecaster": CNNLSTMForecaster, "LSTMForecaster": LSTMForecaster}
MODEL_TYPES = {"cnn_lstm": CNNLSTMForecaster, "lstm": LSTMForecaster}

__all__ = ["MODEL_CLASSES", "MODEL_TYPES", "CNNLSTMForecaster", "LSTMForecaster"]
