"""Analyses: ``f(study) -> frozen dataclass of numpy arrays``, one module per plan section."""
