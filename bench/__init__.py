"""Benchmarks: each runs beside its reference (a peer or the raw limit) in the same run, reported as a ratio."""
