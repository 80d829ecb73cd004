"""The code stays ruff-clean (configuration in pyproject.toml)."""

import subprocess
import sys
from pathlib import Path


def test_ruff_reports_nothing():
    project = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=project,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
