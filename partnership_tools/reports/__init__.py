"""Replay and reports: recount a saved vote or review, and render it as HTML or PDF.

* :mod:`.replay`: any saved file, by its kind; :mod:`.review_replay`: a saved review;
* :mod:`.session_report` and :mod:`.review_report`: the report of a vote and of a review.
"""
