"""Hygiene: the study leaves the model under test as it found it."""

from interp.checks.test_hygiene import *  # noqa: F403
