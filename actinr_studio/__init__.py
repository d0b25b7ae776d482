"""actinr_studio: continuous video with ActINR (bias-modulated video neural representations).

The core (``model``, ``video``, ``train``, ``tasks``, ``checkpoint``, ``config``, ``bench``)
never imports Qt; ``gui`` is the only package that does, and the CLI imports it lazily.
"""

__version__ = "0.1.0"

from actinr_studio.errors import UserError

__all__ = ["UserError", "__version__"]
