"""Tasks: each prepares what the model sees (a Supervision) and how it is scored.

Must not import Qt.
"""

from actinr_studio.tasks.base import Task, TaskScore, parse_task, score_model

__all__ = ["Task", "TaskScore", "parse_task", "score_model"]
