"""Test-wide settings: keep every test (and every notebook kernel nbval starts) away from the
user's own store and Jupyter folders."""

from __future__ import annotations

import os
import tempfile

_TMP = tempfile.mkdtemp(prefix="pt-tests-")
os.environ.setdefault("PARTNERSHIP_TOOLS_DB", os.path.join(_TMP, "store.sqlite"))
for var, sub in (
    ("JUPYTER_DATA_DIR", "jupyter-data"),
    ("JUPYTER_CONFIG_DIR", "jupyter-config"),
    ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"),
    ("PT_SIGNING_KEY_DIR", "signing-keys"),  # the partnership's signing key: never the real one
):
    os.environ.setdefault(var, os.path.join(_TMP, sub))

# Alembic's env.py runs only inside a migration (partnership_tools.store.db.migrate), never on
# import; the migration revisions are checked by tests/store/test_migrations.py instead.
collect_ignore_glob = ["partnership_tools/store/migrations/*"]
