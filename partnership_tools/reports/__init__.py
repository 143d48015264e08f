"""Replay and reports: recount a saved vote or review, and render it as HTML or PDF.

* :mod:`.replay`: any saved file, by its kind; :mod:`.review_replay`: a saved review;
* :mod:`.write`: the report of any saved file, as HTML or PDF; :mod:`.render`: templates,
  inline SVG charts, stylesheet and PDF; :mod:`.session_report` and :mod:`.review_report`: what
  the report of a vote and of a review shows;
* :mod:`.review_tables`: a review's responses and scores as CSV and an Excel workbook.
"""
