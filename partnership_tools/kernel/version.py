"""The kit's version, recorded in every saved file and report."""

__version__ = "0.1.0"
