"""Crowd Wise consensus votes: the session model, ballots, counting rules, round comparison,
plain-English summaries and the session file.

* :mod:`.model`: options, ballots, rounds, sessions;
* :mod:`.ballots`: a round's ballots as a rank matrix (:class:`BallotMatrix`);
* :mod:`.validation`: reading one ranking (duplicates, unknown options, skipped ranks);
* :mod:`.ballots_csv`: ballots from CSV and Excel exports;
* :mod:`.rank_counts`: one pass over a round's ballots (rank counts, MBC points, pairwise);
* :mod:`.rules`: the counting rules registry, the one home of every rule (Modified Borda Count,
  Borda, first preferences ...);
* :mod:`.count`: a round's full result (:func:`count_round`), every registered rule included;
* :mod:`.compare`: one round against the next, following lineage;
* :mod:`.summary`: the result in plain English and the advice;
* :mod:`.tally`: counting a :class:`Session`'s rounds;
* :mod:`.records`: ``to_dict``/``from_dict`` through the kit's cattrs converter;
* :mod:`.sessionfile` and :mod:`.verification`: the saved session file and its recorded results.
"""
