"""Replay a saved vote or review: recompute everything from its inputs and check the record.

``partnership-tools replay FILE`` prints one line per round (or per dimension and wave, for a
review) saying MATCH or DIFFERS, then a verdict. Exit status: 0 when everything matches, 1 when
anything differs, 3 when the file (an old schema version) records no results to compare with,
2 when the file cannot be used at all.

>>> from partnership_tools.kernel.resources import sample_dir
>>> sample = sample_dir() / "county_joint_working.json"
>>> replay_file(sample).verdict.ok
True
"""

from __future__ import annotations

import os

from partnership_tools.kernel.savedfile import Replay, ReplayError, file_kind


def replay_file(path: str | os.PathLike[str]) -> Replay:
    """Recompute a saved session or review and compare it with what the file recorded."""
    kind = file_kind(path)
    if kind == "session":
        from partnership_tools.vote.sessionfile import SessionFileError, read_session_file
        from partnership_tools.vote.verification import verify_session_data

        try:
            sf = read_session_file(path)
        except SessionFileError as exc:
            raise ReplayError(str(exc)) from None
        verdict = verify_session_data(sf.session, sf.record)
        return Replay(
            str(path),
            "session",
            sf.session.question,
            verdict,
            sf.migrated_from,
            sf.record.get("kit_version"),
        )
    from partnership_tools.reports.review_replay import replay_review_file

    return replay_review_file(path)
