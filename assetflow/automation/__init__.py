"""Automation at the facade level: source observations, schedule ticks, backfills.

These sit beside :class:`assetflow.Project` (they drive it) and above the stage packages: they
decide *what* to materialize (with the pure functions of ``plan/ticks.py``) and run it through
``Project.materialize``, recording their own bookkeeping in the catalog
(``commit/automation.py``).
"""
