"""Benchmarks: each measures the project and a bare floor in the same run (see docs)."""
