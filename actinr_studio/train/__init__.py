"""Training: clip -> supervision and pixel batches, the training loop (a generator), metrics.

Must not import Qt. Only plain data (numbers, numpy arrays) leaves the loop.
"""

from actinr_studio.train.config import TrainConfig
from actinr_studio.train.data import PixelSampler, Supervision, model_config_for
from actinr_studio.train.loop import Trainer

__all__ = ["PixelSampler", "Supervision", "TrainConfig", "Trainer", "model_config_for"]
