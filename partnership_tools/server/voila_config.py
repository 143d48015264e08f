"""How ``partnership-tools serve`` configures Voilà: the kit's page template and preheated kernels.

:func:`voila_argv` gives the ``jupyter server`` options (``serve.server_argv`` adds them):

* ``--VoilaConfiguration.template=partnership_tools``: the kit's page template (the folder
  ``voila_template/voila/templates/partnership_tools`` beside this module), Voilà's ``lab`` page
  without its requests to other hosts (Font Awesome's CDN), and dropping ``?token=`` from the
  address bar once the page has loaded (the Jupyter server has set its login cookie by then);
* ``--VoilaConfiguration.show_tracebacks=False``: an app shows one sentence, never a traceback;
* ``--ServerApp.kernel_manager_class=...PreheatedKernelManager`` (module
  :mod:`partnership_tools.server.preheat`) with the app notebooks to keep ``pool_size`` kernels
  ready for: each has run its notebook up to the point where it reads the page's query, and waits
  there for the request (``voila.utils.wait_for_request``), so an app opens without starting a
  kernel or importing the kit; a page's kernel is replaced ``FILL_DELAY`` seconds after it.

Voilà finds page templates only on the Jupyter data path, so the template folder must be on
``JUPYTER_PATH`` in the server process: :func:`kit_jupyter_path` gives the value, and the
kernel manager puts it there when the server creates it (before Voilà loads its templates).

>>> flags = voila_argv(["facilitator.ipynb"], pool_size=2)
>>> "--VoilaConfiguration.template=partnership_tools" in flags
True
>>> "--PreheatedKernelManager.pool_size=2" in flags
True
>>> kit_jupyter_path("/opt/jupyter").split(os.pathsep) == [str(TEMPLATE_ROOT), "/opt/jupyter"]
True
"""

from __future__ import annotations

import os
from collections.abc import Iterable, MutableMapping
from pathlib import Path

__all__ = [
    "KERNEL_MANAGER",
    "TEMPLATE_NAME",
    "TEMPLATE_ROOT",
    "kit_jupyter_path",
    "use_kit_template",
    "voila_argv",
]

#: The kit's Voilà page template (a folder under ``TEMPLATE_ROOT/voila/templates``).
TEMPLATE_NAME = "partnership_tools"
#: A Jupyter data folder holding only ``voila/templates/partnership_tools``.
TEMPLATE_ROOT = Path(__file__).resolve().parent / "voila_template"
#: The kernel manager class that keeps preheated kernels for the app notebooks.
KERNEL_MANAGER = "partnership_tools.server.preheat.PreheatedKernelManager"
#: Kernels kept ready per app notebook.
DEFAULT_POOL_SIZE = 1
#: Seconds after a page takes its kernel before the replacement starts: starting it at once
#: would compete for the processor with the page being opened (on a 2-core laptop, the
#: browser, the server and the kernel all at work).
FILL_DELAY = 3.0


def voila_argv(apps: Iterable[str], pool_size: int = DEFAULT_POOL_SIZE) -> list[str]:
    """The Voilà options ``serve`` runs with (see the module docstring).

    ``apps`` are the notebooks (paths relative to the server's root folder) that get ``pool_size``
    preheated kernels each (``serve`` passes its four apps); ``pool_size=0`` or no apps: none.

    >>> voila_argv(["projector.ipynb", "replay_session.ipynb"])[-2:]  # doctest: +NORMALIZE_WHITESPACE
    ['--PreheatedKernelManager.preheat_notebooks=projector.ipynb',
     '--PreheatedKernelManager.preheat_notebooks=replay_session.ipynb']
    """
    if pool_size < 0:
        raise ValueError(f"pool_size must be 0 or more, not {pool_size}.")
    return [
        f"--VoilaConfiguration.template={TEMPLATE_NAME}",
        "--VoilaConfiguration.show_tracebacks=False",
        f"--ServerApp.kernel_manager_class={KERNEL_MANAGER}",
        f"--PreheatedKernelManager.pool_size={pool_size}",
        f"--PreheatedKernelManager.fill_delay={FILL_DELAY}",
        # a list option on the command line: one flag per item
        *(f"--PreheatedKernelManager.preheat_notebooks={nb}" for nb in apps),
    ]


def kit_jupyter_path(current: str | None) -> str:
    """``JUPYTER_PATH`` with the kit's template folder first (once), the rest kept in order.

    >>> kit_jupyter_path(None) == str(TEMPLATE_ROOT)
    True
    >>> kit_jupyter_path(kit_jupyter_path("/a")) == kit_jupyter_path("/a")
    True
    """
    parts = [p for p in (current or "").split(os.pathsep) if p and p != str(TEMPLATE_ROOT)]
    return os.pathsep.join([str(TEMPLATE_ROOT), *parts])


def use_kit_template(env: MutableMapping[str, str]) -> None:
    """Put the kit's template folder on ``env``'s ``JUPYTER_PATH`` (the server's environment)."""
    env["JUPYTER_PATH"] = kit_jupyter_path(env.get("JUPYTER_PATH"))
