"""Tiers 1 and 2 of the gate: health invariants and drift against the accepted model."""

from interp.checks.test_gate import *  # noqa: F403
