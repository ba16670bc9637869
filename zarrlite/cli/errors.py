"""`UserError`: a mistake the user can fix, reported by the command in one line."""

from __future__ import annotations


class UserError(Exception):
    """Something the user asked for cannot be done (a bad path, say): the command prints
    ``zarrlite: error: <message>`` and exits with status 2, without a traceback."""
