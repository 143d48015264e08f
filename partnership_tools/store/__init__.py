"""The one store: an SQLite file (the default) or a PostgreSQL database holding the votes
(sessions, rounds, ballots, codes, one-time tokens) and the reviews (reviews, responses, drafts),
shared by the CLI, the apps and the server processes.

* :mod:`.db`: which database, the engine, serialised writes and snapshot reads, migrations;
* :mod:`.schema`: every table (SQLAlchemy Core); :mod:`.migrations`: Alembic's revisions;
* :mod:`.tokens`: facilitator keys and printed codes;
* :mod:`.sessions`: the vote tables (:class:`Store`);
* :mod:`.reviews`: the review tables; :mod:`.drafts`: review-form drafts and submissions.
"""

from partnership_tools.store.db import (
    ENV_DB,
    Database,
    StoreError,
    StoreUnavailable,
    default_db_path,
    default_target,
    open_database,
)
from partnership_tools.store.sessions import BallotReceipt, Store

__all__ = [
    "ENV_DB",
    "BallotReceipt",
    "Database",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "default_db_path",
    "default_target",
    "open_database",
]
