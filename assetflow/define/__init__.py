"""Declaring assets: pure, import-safe, no I/O."""
