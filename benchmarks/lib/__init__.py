"""Helpers of the benchmark scripts in ``benchmarks/`` (not scripts: ``make bench`` runs only
``benchmarks/*.py``). A script run as ``python benchmarks/<script>.py`` has ``benchmarks/`` on
``sys.path`` and imports them as ``lib.<module>``."""
