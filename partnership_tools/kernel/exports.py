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
    """The export folder for the store file ``db_path``: ``env[PT_DOWNLOADS_DIR]`` (``~``
    expanded) when it is set and not blank, else ``<folder of db_path>/downloads``. ``env``
    defaults to ``os.environ``. The folder is not created."""
    named = (os.environ if env is None else env).get(ENV_DOWNLOADS, "").strip()
    if named:
        return Path(named).expanduser()
    return Path(db_path).expanduser().parent / "downloads"
