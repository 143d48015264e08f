"""The one store: a SQLite file holding the votes (sessions, rounds, ballots, codes, one-time
tokens) and the reviews (reviews, responses, drafts), shared by the CLI, the apps and the server.

* :mod:`.db`: the connection, WAL mode, transactions, where the file lives;
* :mod:`.tokens`: facilitator keys and printed codes;
* :mod:`.sessions`: the vote tables (:class:`Store`);
* :mod:`.reviews`: the review tables; :mod:`.drafts`: review-form drafts and submissions.
"""

from partnership_tools.store.db import ENV_DB, StoreError, connect, default_db_path, transaction
from partnership_tools.store.sessions import BallotReceipt, Store

__all__ = [
    "ENV_DB",
    "BallotReceipt",
    "Store",
    "StoreError",
    "connect",
    "default_db_path",
    "transaction",
]
