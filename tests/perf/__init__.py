"""Timing measurements of the integration against a slow fake cloud."""
