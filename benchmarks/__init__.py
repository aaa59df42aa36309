"""Benchmarks for followup: run them all with ``python -m benchmarks`` (see docs/benchmarks.md)."""
