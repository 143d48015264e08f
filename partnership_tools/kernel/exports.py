"""Where exported files go: the one rule shared by the apps' kernels and the server's configuration.

``$PT_DOWNLOADS_DIR`` when set (``partnership-tools serve`` sets it from
``--PartnershipToolsApp.export_dir``), else a ``downloads/`` folder beside the store file.

>>> export_dir("/data/pt/store.sqlite", env={})
PosixPath('/data/pt/downloads')
>>> export_dir("/data/pt/store.sqlite", env={"PT_DOWNLOADS_DIR": "/srv/out"})
PosixPath('/srv/out')
>>> export_dir("/data/pt/store.sqlite", env={"PT_DOWNLOADS_DIR": "  "})
PosixPath('/data/pt/downloads')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["ENV_DOWNLOADS", "export_dir"]

#: The environment variable naming the export folder.
ENV_DOWNLOADS = "PT_DOWNLOADS_DIR"


def export_dir(db_path: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> Path:
    """The export folder for the store ``db_path``: ``env[PT_DOWNLOADS_DIR]`` (``~``
    expanded) when it is set and not blank, else ``<folder of db_path>/downloads`` for an SQLite
    file, else (a database URL such as ``postgresql://...``, which has no folder)
    ``$XDG_DATA_HOME/partnership-tools/downloads/<database name>``. ``env`` defaults to
    ``os.environ``. The folder is not created.

    >>> export_dir("postgresql://pt:x@db/votes", {"XDG_DATA_HOME": "/d"}).as_posix()
    '/d/partnership-tools/downloads/votes'
    """
    env = os.environ if env is None else env
    named = env.get(ENV_DOWNLOADS, "").strip()
    if named:
        return Path(named).expanduser()
    text = os.fspath(db_path)
    if "://" in text:
        database = text.rsplit("/", 1)[-1].split("?", 1)[0] or "store"
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in database)
        base = Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
        return base.expanduser() / "partnership-tools" / "downloads" / safe
    return Path(text).expanduser().parent / "downloads"
