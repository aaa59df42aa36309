"""followup: a command-line customer follow-up tracker for solo business owners."""

__version__ = "0.1.0"
