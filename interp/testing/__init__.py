"""pytest support for the checks (imported by the root conftest.py only; needs the test extras)."""
