"""ActINR as small modules: the Gabor activation, patch / GOP geometry, the batched per-unit
frame networks, the bias network of time, and the ActINR wrapper with ``render``.

Must not import Qt, the GUI, or the training loop.
"""

from actinr_studio.model.actinr import ActINR
from actinr_studio.model.config import ModelConfig
from actinr_studio.model.geometry import AxisTiling, GopLayout, PatchGrid

__all__ = ["ActINR", "AxisTiling", "GopLayout", "ModelConfig", "PatchGrid"]
