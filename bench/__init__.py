"""Benchmarks that print their figures; run each script with the project's Python."""
