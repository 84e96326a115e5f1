"""Tier 3 of the gate: figures and metric snapshots compared exactly (accepted model only)."""

from interp.checks.test_exact import *  # noqa: F403
