"""vsh benchmarks: ``make bench`` runs every ``benchmarks/bench_*.py`` (see framework.py)."""
