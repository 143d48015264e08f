"""Crowd Wise consensus votes: the session model, ballots, counting rules, round comparison,
plain-English summaries and the session file.

* :mod:`.model`: options, ballots, rounds, sessions;
* :mod:`.ballots`: a round's ballots as a rank matrix (:class:`BallotMatrix`);
* :mod:`.validation`: reading one ranking (duplicates, unknown options, skipped ranks);
* :mod:`.ballots_csv`: ballots from CSV and Excel exports;
* :mod:`.rules`: the counting rules registry (Modified Borda Count, Borda, first preferences ...);
* :mod:`.count`: a round's full result (:func:`count_round`);
* :mod:`.compare`: one round against the next, following lineage;
* :mod:`.summary`: the result in plain English and the advice;
* :mod:`.tally`: counting a :class:`Session`'s rounds;
* :mod:`.sessionfile` and :mod:`.verification`: the saved session file and its recorded results.
"""
