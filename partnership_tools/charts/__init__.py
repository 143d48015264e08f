"""Altair chart builders: each takes a long-form DataFrame and returns an ``alt.Chart``.

Start-up cost: Altair imports jsonschema, which (when the optional ``rfc3987_syntax`` package is
installed, as Jupyter's dependencies do) compiles a large grammar at import time: about 2 s of
every Voilà kernel's start on our 2-core machine. Altair never validates the IRI formats that
grammar serves, so, unless something has already imported it, we tell Python it is absent and
jsonschema skips it (it treats the package as optional).
"""

import sys

if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
