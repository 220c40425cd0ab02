"""Execution: runs user code and stages output files; the runner coordinates commits."""
