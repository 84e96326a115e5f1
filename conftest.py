"""An interp gate folder: ``pytest checks`` runs the gate on your model (see README of interp).

The options, fixtures, report and verdict come from the ``interp`` pytest plugin, installed with the package;
``checks/`` collects the gate's checks from ``interp.checks``. Scaffolded by ``interp init``.
"""
