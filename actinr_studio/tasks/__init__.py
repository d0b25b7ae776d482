"""Tasks: each prepares what the model sees (a Supervision) and how it is scored.

One module per task (``base``: represent and interpolation; ``super_resolve``, ``denoise``,
``inpaint``); ``registry`` parses task strings. Must not import Qt.
"""

from actinr_studio.tasks.base import (
    Task,
    TaskScore,
    parse_task,
    score_frames,
    score_model,
    scored_indices,
)
from actinr_studio.tasks.registry import TASK_NAMES

__all__ = ["TASK_NAMES", "Task", "TaskScore", "parse_task", "score_frames", "score_model",
           "scored_indices"]
