"""Benchmarks of casusbot: Matrix round trips against a local Synapse, and storage jobs.

Not part of the test suite: run ``python -m bench.run`` (see bench/RESULTS.md).
"""
