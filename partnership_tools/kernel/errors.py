"""The one kind of error every layer may raise for the user: a plain sentence, never a traceback."""

from __future__ import annotations


class PlainError(Exception):
    """A problem to show the user as one plain sentence saying what is wrong and where.

    The command line prints it and exits with status 2; the apps show it in their message area.

    >>> str(PlainError("votes.csv, row 4: option 'Z' is not on the ballot."))
    "votes.csv, row 4: option 'Z' is not on the ballot."
    """
