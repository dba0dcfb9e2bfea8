"""Benchmarks: scripts that time archlang and print a report against the targets
the issues set. They are reports, not tests: run one from the repository root,
e.g. `python benchmarks/check_speed.py`.
"""
