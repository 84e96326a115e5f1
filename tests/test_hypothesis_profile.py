"""The unit tests' Hypothesis profile: derandomized on CI (``CI=true``), Hypothesis's defaults elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CONFTEST = Path(__file__).with_name("conftest.py")

SHOW_PROFILE = (
    "import importlib.util\n"
    "from hypothesis import settings\n"
    f"spec = importlib.util.spec_from_file_location('unit_conftest', {str(CONFTEST)!r})\n"
    "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
    "d = settings.default\n"
    "print(settings.get_current_profile_name(), d.derandomize, d.print_blob)\n"
)


def profile_under(ci: str | None) -> str:
    """What the unit tests' conftest leaves as Hypothesis's profile, in a fresh interpreter with ``CI=ci``."""
    env = {k: v for k, v in os.environ.items() if k != "CI"} | ({} if ci is None else {"CI": ci})
    result = subprocess.run([sys.executable, "-c", SHOW_PROFILE], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_ci_runs_hypothesis_derandomized_without_reproduction_blobs():
    assert profile_under("true") == "interp-ci True False"


def test_outside_ci_the_profile_is_not_forced():
    assert not profile_under("false").startswith("interp-ci")
