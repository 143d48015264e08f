"""How the command line reports a problem: one plain sentence and exit status 2."""

from __future__ import annotations

from partnership_tools.kernel.errors import PlainError

EXIT_USAGE = 2


class CliError(PlainError):
    """A problem to report to the user as one sentence."""
