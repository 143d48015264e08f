"""The kit's Jupyter server extension: participants' ballot pages without a kernel.

Enable it beside Voilà in one Jupyter server (``partnership-tools serve`` does this)::

    jupyter server --ServerApp.jpserver_extensions="{'voila.server_extension': True,
                                                    'partnership_tools.server': True}"

The extension is :class:`~partnership_tools.server.extension.PartnershipToolsApp`; its options
(``--PartnershipToolsApp.db=...``, ``min_group_size``, ``export_dir``, ``public_url``) are
described there. The pages are plain tornado handlers, so they answer without the server's token;
they reach nothing but the store (see :mod:`partnership_tools.server.handlers`).

>>> [point["app"].name for point in _jupyter_server_extension_points()]
['partnership_tools']
"""

from __future__ import annotations

from typing import Any

__all__ = ["_jupyter_server_extension_points"]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from partnership_tools.server.extension import PartnershipToolsApp

    return [{"module": "partnership_tools.server", "app": PartnershipToolsApp}]
