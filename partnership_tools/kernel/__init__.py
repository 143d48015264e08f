"""The shared kernel: what every domain needs and none owns (no vote or review rules here).

* :mod:`.clock`: the current time and fresh identifiers;
* :mod:`.files`: canonical JSON and atomic writes;
* :mod:`.checks`: digests, checks, verdicts and differences;
* :mod:`.savedfile`: the kinds of saved file and the outcome of replaying one;
* :mod:`.resources`: where the shipped notebooks and sample data are.
"""
