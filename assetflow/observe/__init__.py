"""Observation: reports and progress built from events and catalog state (read-only)."""
