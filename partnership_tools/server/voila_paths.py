"""Voilà's template-file route answers 404, never 500, to a malformed path.

Voilà serves a page template's files at ``/voila/templates/<template>/static/<path>``; its
handler splits the path with ``assert`` and tuple unpacking, so ``/voila/templates/../x`` or
``.../lab/static/../../x`` raised inside the handler and answered 500 (issue 12). Every path
that is not ``<template>/static/<file>`` with no ``..`` segment now answers a plain 404, before
Voilà's code sees it; well-formed paths are served exactly as before.

>>> well_formed("lab/static/voila.js"), well_formed("../x"), well_formed("lab/static/../../x")
(True, False, False)
"""

from __future__ import annotations

from typing import Any

__all__ = ["harden_template_route", "well_formed"]


def well_formed(path: str) -> bool:
    """Whether ``path`` has the shape ``<template>/static/<file...>`` with no empty, ``.`` or
    ``..`` segment."""
    parts = path.split("/")
    return (
        len(parts) >= 3
        and parts[1] == "static"
        and all(p not in ("", ".", "..") for p in parts)
        and "\\" not in path
    )


def harden_template_route() -> bool:
    """Make Voilà's ``TemplateStaticFileHandler`` answer 404 to malformed paths (once per
    process). Returns False when Voilà's handler is not there (nothing to do)."""
    try:
        import tornado.web
        from voila.static_file_handler import TemplateStaticFileHandler
    except ImportError:
        return False
    if getattr(TemplateStaticFileHandler, "_pt_hardened", False):
        return True
    original = TemplateStaticFileHandler.parse_url_path

    def parse_url_path(self: Any, path: str) -> Any:
        if not well_formed(path):
            raise tornado.web.HTTPError(404)
        return original(self, path)

    TemplateStaticFileHandler.parse_url_path = parse_url_path
    TemplateStaticFileHandler._pt_hardened = True
    return True
