"""The retraining gate (DESIGN §6): health invariants, calibrated drift against the accepted model, exact tier.

- :mod:`interp.gate.outcome`: one record per check (tier, item, horizon, value, threshold, which way), the
  shape the terminal verdict, ``study_results.json`` and the report share;
- :mod:`interp.gate.drift`: the accepted baseline studied on the same windows, and the drift checks;
- :mod:`interp.gate.calibration`: ``make calibrate``: the healthy ensemble and the tolerances it implies;
- :mod:`interp.gate.manifest`: ``baselines/MANIFEST.json``, which model the exact tier belongs to;
- :mod:`interp.gate.accept`: ``make accept``: a retrain becomes the accepted baseline.
"""
