"""The core never imports Qt: the CLI, training and benchmarks run headless."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

CORE = [
    "actinr_studio",
    "actinr_studio.errors",
    "actinr_studio.runtime",
    "actinr_studio.model",
    "actinr_studio.video",
    "actinr_studio.train",
    "actinr_studio.tasks",
    "actinr_studio.checkpoint",
    "actinr_studio.config",
    "actinr_studio.export",
    "actinr_studio.bench",
]
OPTIONAL = ["actinr_studio.cli", "actinr_studio.fit", "actinr_studio.bench.baselines"]
QT_PREFIXES = ("PySide6", "pyqtgraph", "superqt", "shiboken6", "PyQt5", "PyQt6")

SCRIPT = """
import importlib, json, sys
names = json.loads(sys.argv[1])
for name in names:
    importlib.import_module(name)
print(json.dumps(sorted(sys.modules)))
"""


def test_core_modules_do_not_import_qt() -> None:
    names = CORE + [n for n in OPTIONAL if importlib.util.find_spec(n) is not None]
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(names)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(names) <= set(modules)
    qt = [m for m in modules if m.split(".")[0] in QT_PREFIXES]
    assert qt == [], f"Qt imported by the core: {qt}"
    assert "actinr_studio.gui" not in modules
