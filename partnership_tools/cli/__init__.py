"""The ``partnership-tools`` command line: :mod:`.main` builds the parser; one module a command
family (:mod:`.vote`-side commands live in :mod:`.main`, :mod:`.review` scores, :mod:`.replay`,
:mod:`.report`)."""
