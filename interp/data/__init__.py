"""Data: the embedded synthetic room, user CSVs, windows, splits, scaling and regimes."""
