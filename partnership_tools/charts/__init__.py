"""Altair chart builders: each takes a long-form DataFrame and returns an ``alt.Chart``."""
