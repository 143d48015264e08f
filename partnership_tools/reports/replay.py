"""Replay a saved vote or review: recompute everything from its inputs and check the record.

``partnership-tools replay FILE`` prints one line per round (or per dimension and wave, for a
review) saying MATCH or DIFFERS, a ``signature`` line for a signed file, then a verdict that says
exactly what was checked: "signed by <who> and the recount matches", "unsigned: the recount
matches what the file records", or "differs" with the reason (the recount differs, or the
signature does not verify: the file was changed after it was signed). Exit status
(:attr:`~partnership_tools.kernel.savedfile.Replay.exit_code`): 0 when the recount matches
(signed or not), 1 when anything differs, 3 when the file (an old schema version) records no
results to compare with, 2 when the file cannot be used at all.

>>> from partnership_tools.kernel.resources import sample_dir
>>> sample = sample_dir() / "county_joint_working.json"
>>> r = replay_file(sample)
>>> r.verdict.ok, r.status
(True, 'unsigned')
"""

from __future__ import annotations

import os

from partnership_tools.kernel.savedfile import (
    Replay,
    ReplayError,
    file_kind,
    read_saved,
    with_signature,
)

__all__ = ["Replay", "ReplayError", "file_kind", "replay_file"]


def replay_file(path: str | os.PathLike[str]) -> Replay:
    """Recompute a saved session or review, compare it with what the file recorded, and check
    its signature (:func:`~partnership_tools.kernel.savedfile.with_signature`)."""
    kind, data = read_saved(path)
    if kind == "session":
        from partnership_tools.vote.sessionfile import SessionFileError, load_session_data
        from partnership_tools.vote.verification import verify_session_data

        try:
            sf = load_session_data(data, str(path))
        except SessionFileError as exc:
            raise ReplayError(str(exc)) from None
        verdict = verify_session_data(sf.session, sf.record)
        replay = Replay(
            str(path),
            "session",
            sf.session.question,
            verdict,
            sf.migrated_from,
            sf.record.get("kit_version"),
        )
        return with_signature(replay, data)
    from partnership_tools.reports.review_replay import replay_review_file

    return replay_review_file(path)
