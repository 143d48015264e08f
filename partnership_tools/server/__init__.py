"""The kit's Jupyter server extension: participants' ballot pages without a kernel.

Enable it beside Voilà in one Jupyter server (``partnership-tools serve`` does this)::

    jupyter server --ServerApp.jpserver_extensions="{'voila.server_extension': True,
                                                    'partnership_tools.server': True}"

The store is the file named by ``PARTNERSHIP_TOOLS_DB`` (else the default store path). The pages
are plain tornado handlers, so they answer without the server's token; they reach nothing but
the store (see :mod:`partnership_tools.server.handlers`).
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["_jupyter_server_extension_points", "_load_jupyter_server_extension"]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "partnership_tools.server"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from partnership_tools.server.handlers import ParticipantApp, participant_handlers
    from partnership_tools.store import ENV_DB, default_db_path

    web_app = serverapp.web_app
    db = os.environ.get(ENV_DB) or str(default_db_path())
    app = ParticipantApp(
        db_path=db,
        log=serverapp.log,
        base_url=web_app.settings.get("base_url", "/"),
    )
    web_app.settings["partnership_tools"] = app
    web_app.add_handlers(".*$", participant_handlers(app))
    try:  # the review form's pages; a fault there must not take the ballot pages down
        from partnership_tools.server.review_form import review_form_handlers

        web_app.add_handlers(".*$", review_form_handlers(app))
    except Exception:
        serverapp.log.exception("Partnership Tools: the review form pages could not be loaded")
    serverapp.log.info(
        "Partnership Tools ballot pages at %svote/<session> (store %s)", app.url(""), app.db_path
    )


# Older jupyter_server / notebook entry-point name.
load_jupyter_server_extension = _load_jupyter_server_extension
