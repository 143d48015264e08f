"""The kit's Jupyter server extension as a configurable :class:`ExtensionApp`.

Its configuration is four traitlets, set like any Jupyter option (command line, config file)::

    jupyter server --ServerApp.jpserver_extensions="{'voila.server_extension': True,
                                                    'partnership_tools.server': True}" \\
        --PartnershipToolsApp.db=/srv/pt/store.sqlite --PartnershipToolsApp.min_group_size=7

=====================  ============================================================================
``db``                 the store file; default :func:`partnership_tools.store.default_db_path`
                       (``$PARTNERSHIP_TOOLS_DB``, else the per-user data folder)
``min_group_size``     the smallest group a review form promises to report when a review's own
                       settings cannot be read; default ``DEFAULT_MIN_GROUP_SIZE``
``export_dir``         where the apps write exports; default
                       :func:`partnership_tools.kernel.exports.export_dir` of ``db``
                       (``$PT_DOWNLOADS_DIR``, else ``downloads/`` beside the store)
``public_url``         the address participants' phones reach the server at (default
                       ``$PT_PUBLIC_URL``, else none: the server's own address is used)
=====================  ============================================================================

Precedence: configuration, else the environment variable, else the built-in default.

The Voilà kernels are separate processes that inherit the server's environment, so when the
extension loads it writes its configuration into that environment (:meth:`kernel_environment`):
every kernel then opens the same store, exports to the same folder and shows the same join link.

The participants' pages (``/vote/...``, ``/review-form/...``) are plain tornado handlers: they
answer without the server's token and reach nothing but the store. A fault loading the review
form's pages is logged and leaves the ballot pages up.

>>> app = PartnershipToolsApp(db="/data/pt/store.sqlite", public_url="http://10.0.0.5:8866/")
>>> app.name, app.min_group_size == DEFAULT_MIN_GROUP_SIZE
('partnership_tools', True)
>>> sorted(app.kernel_environment(env={}).items())  # doctest: +NORMALIZE_WHITESPACE
[('PARTNERSHIP_TOOLS_DB', '/data/pt/store.sqlite'), ('PT_PUBLIC_URL', 'http://10.0.0.5:8866')]
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Integer, Unicode, default, validate

from partnership_tools.kernel.exports import ENV_DOWNLOADS
from partnership_tools.kernel.exports import export_dir as export_folder_for
from partnership_tools.review.settings import DEFAULT_MIN_GROUP_SIZE
from partnership_tools.store import ENV_DB, default_db_path

__all__ = ["ENV_PUBLIC_URL", "PartnershipToolsApp"]

#: The environment variable the projector app reads its join link's address from.
ENV_PUBLIC_URL = "PT_PUBLIC_URL"


class PartnershipToolsApp(ExtensionApp):
    """The ballot and review-form pages, configured by traitlets (see the module docstring)."""

    name = "partnership_tools"
    description = "Participants' ballot and review-form pages for Partnership Tools."

    db = Unicode(
        help="The store file (default: $PARTNERSHIP_TOOLS_DB, else the per-user store)."
    ).tag(config=True)
    min_group_size = Integer(
        DEFAULT_MIN_GROUP_SIZE,
        min=1,
        help="The smallest group a review form promises to report when a review's settings"
        " cannot be read.",
    ).tag(config=True)
    export_dir = Unicode(
        help="Where the apps write exports (default: $PT_DOWNLOADS_DIR, else downloads/ beside"
        " the store)."
    ).tag(config=True)
    public_url = Unicode(
        help="The address participants reach this server at, e.g. http://192.168.1.20:8866"
        " (default: $PT_PUBLIC_URL, else the server's own address)."
    ).tag(config=True)

    @default("db")
    def _default_db(self) -> str:
        return str(default_db_path())

    @default("export_dir")
    def _default_export_dir(self) -> str:
        return str(export_folder_for(self.db))

    @default("public_url")
    def _default_public_url(self) -> str:
        return os.environ.get(ENV_PUBLIC_URL, "").strip().rstrip("/")

    @validate("public_url")
    def _valid_public_url(self, proposal: dict[str, Any]) -> str:
        return str(proposal["value"]).strip().rstrip("/")

    # -- what the kernels inherit ----------------------------------------------------------------
    def kernel_environment(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """The variables the Voilà kernels need to agree with this configuration: the store
        always; the export folder only when it is not what the kernels would work out from the
        store anyway (``env``, default ``os.environ``, is what they would see); the public URL
        when there is one."""
        env = os.environ if env is None else env
        out = {ENV_DB: str(Path(self.db).expanduser())}
        if Path(self.export_dir).expanduser() != export_folder_for(self.db, env):
            out[ENV_DOWNLOADS] = str(Path(self.export_dir).expanduser())
        if self.public_url:
            out[ENV_PUBLIC_URL] = self.public_url
        return out

    # -- ExtensionApp hooks --------------------------------------------------------------------------
    def initialize_settings(self) -> None:
        os.environ.update(self.kernel_environment())

    def initialize_handlers(self) -> None:
        from partnership_tools.server.handlers import ParticipantApp, participant_handlers

        assert self.serverapp is not None
        log = self.serverapp.log
        base_url = self.serverapp.web_app.settings.get("base_url", "/")
        self.participants = ParticipantApp(
            db_path=Path(self.db), log=log, base_url=base_url, min_group_size=self.min_group_size
        )
        self.handlers.extend(_relative(participant_handlers(self.participants), base_url))
        try:  # the review form's pages; a fault there must not take the ballot pages down
            from partnership_tools.server.review_form import review_form_handlers

            self.handlers.extend(_relative(review_form_handlers(self.participants), base_url))
        except Exception:
            log.exception("Partnership Tools: the review form pages could not be loaded")
        log.info(
            "Partnership Tools ballot pages at %svote/<session> (store %s)",
            self.participants.url(""),
            self.participants.db_path,
        )


def _relative(rules: list[tuple[str, type, dict]], base_url: str) -> list[tuple[str, type, dict]]:
    """The URL rules without the server's base URL (``ExtensionApp`` puts it back in front).

    >>> _relative([("/pt/vote/?", object, {})], "/pt/")
    [('/vote/?', <class 'object'>, {})]
    """
    base = base_url.rstrip("/")
    out = []
    for pattern, handler, kwargs in rules:
        if not pattern.startswith(base + "/"):
            raise ValueError(f"The rule {pattern!r} is not under the base URL {base_url!r}.")
        out.append((pattern[len(base) :], handler, kwargs))
    return out
