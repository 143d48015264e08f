"""Preheated Voilà kernels inside the Jupyter server that ``partnership-tools serve`` runs.

Voilà keeps preheated kernels only when it runs as its own application (``voila app.ipynb``);
as a Jupyter server extension, as ``serve`` runs it, every page waits for a new kernel to start
and to import the kit. :class:`PreheatedKernelManager` (the server's kernel manager, named by
``--ServerApp.kernel_manager_class``, see :mod:`partnership_tools.server.voila_config`) brings
Voilà's own pool (``voila.voila_kernel_manager``) to the server:

* for each notebook in ``preheat_notebooks`` it keeps ``pool_size`` kernels that have started,
  run the notebook up to the first cell that reads the page's query, and wait there
  (``voila.utils.wait_for_request``) with the page's HTML rendered so far;
* when a page is asked for, Voilà's page handler takes a waiting kernel, sends it the request
  (``QUERY_STRING``, ``SERVER_NAME``, ... over the ``/voila/query/<kernel id>`` websocket, which
  this class adds, answers only for connections from this computer, and strips of the page's
  ``token=``), and the pool starts a replacement after ``fill_delay`` seconds;
* kernels are first started once the server runs (not when this object is made): the kit's
  extension has by then put the store and the join address (``PARTNERSHIP_TOOLS_DB``,
  ``PT_PUBLIC_URL``, ...) in the environment every kernel inherits;
* any other notebook, a page asked for before its pool is ready, or a ``?template=`` page gets
  an ordinary kernel, as before; so does every page of a server that runs HTTPS itself (its
  kernels would have to trust its certificate to ask for their request).

Notebooks that read the query must wait for the request first (``partnership_tools.ui.common``'s
``request_query`` does, when ``VOILA_PREHEAT`` is ``True``).
"""

from __future__ import annotations

import asyncio
import functools
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server.utils import url_path_join
from tornado.ioloop import IOLoop
from tornado.log import app_log
from traitlets import Int, List, Unicode
from voila.configuration import VoilaConfiguration
from voila.notebook_renderer import NotebookRenderer
from voila.paths import collect_template_paths
from voila.request_info_handler import RequestInfoSocketHandler
from voila.server_extension import load_config_file
from voila.utils import ENV_VARIABLE, get_page_config
from voila.voila_kernel_manager import voila_kernel_manager_factory, wait_before

from partnership_tools.server.voila_config import use_kit_template

__all__ = [
    "LocalRequestInfoHandler",
    "PreheatedKernelManager",
    "query_route",
    "same_host_address",
    "without_token",
]

KERNEL_ID = r"(?P<kernel_id>\w+-\w+-\w+-\w+-\w+)"
#: Logged once per preheated kernel, when it has run its notebook up to the query and asks for
#: its page (``benchmarks/bench_apps.py`` and the browser tests wait for it).
WAITING_LOG = "Preheated kernel %s is ready for a page of %s"
WILDCARD_HOSTS = ("", "0.0.0.0", "::", "localhost")

_VoilaPool: Any = voila_kernel_manager_factory(
    AsyncMappingKernelManager, preheat_kernel=True, default_pool_size=0
)


def same_host_address(host: str) -> str:
    """The address a kernel on this computer reaches a server listening on ``host`` at.

    >>> same_host_address("0.0.0.0"), same_host_address("192.168.1.20"), same_host_address("::1")
    ('127.0.0.1', '192.168.1.20', '[::1]')
    """
    if host in WILDCARD_HOSTS:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def query_route(base_url: str) -> str:
    """The path of Voilà's request-info websocket under ``base_url``.

    >>> query_route("/")
    '/voila/query/(?P<kernel_id>\\\\w+-\\\\w+-\\\\w+-\\\\w+-\\\\w+)'
    """
    return url_path_join(base_url, f"/voila/query/{KERNEL_ID}")


def without_token(request_info: dict[str, str]) -> dict[str, str]:
    """The request a kernel is given, without the page's ``token=`` (no app needs it).

    >>> without_token({"QUERY_STRING": "session=s%201&token=abc&x=", "SERVER_PORT": "8866"})
    {'QUERY_STRING': 'session=s+1&x=', 'SERVER_PORT': '8866'}
    """
    info = dict(request_info)
    query = info.get(ENV_VARIABLE.QUERY_STRING)
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        info[ENV_VARIABLE.QUERY_STRING] = urlencode([(k, v) for k, v in pairs if k != "token"])
    return info


class LocalRequestInfoHandler(RequestInfoSocketHandler):
    """Voilà's request-info websocket, open only to this computer's own connections (a kernel
    asking for its request: loopback, or the same address at both ends), and handing on the
    page's request without its token."""

    def open(self, *args: Any, **kwargs: Any) -> None:
        kernel_id = kwargs.get("kernel_id") or (args[0] if args else "")
        if not self._from_this_computer():
            self.close(code=1008, reason="only for kernels on this computer")
            return
        manager = self.settings.get("kernel_manager")
        notebook = getattr(manager, "_get_notebook_from_kernel", lambda _k: None)(kernel_id)
        getattr(manager, "log", app_log).info(WAITING_LOG, kernel_id, notebook)
        super().open(kernel_id)  # answers at once if the page came first

    def write_message(self, message: Any, binary: bool = False) -> Any:
        if isinstance(message, dict):
            message = without_token(message)
        return super().write_message(message, binary=binary)

    def on_close(self) -> None:
        if self in RequestInfoSocketHandler._waiters.values():
            super().on_close()

    def _from_this_computer(self) -> bool:
        import ipaddress

        remote = (self.request.remote_ip or "").split("%")[0]
        try:
            if ipaddress.ip_address(remote).is_loopback:
                return True
        except ValueError:
            return False
        try:
            local = self.request.connection.stream.socket.getsockname()[0]
        except (AttributeError, OSError, IndexError):
            return False
        return str(local).split("%")[0] == remote


class PreheatedKernelManager(_VoilaPool):
    """The Jupyter server's kernel manager, with Voilà's preheated kernels for some notebooks
    (see the module docstring)."""

    preheat_notebooks = List(
        Unicode(),
        [],
        help="Notebooks (paths relative to the server's root folder) to keep kernels ready for.",
    ).tag(config=True)
    pool_size = Int(1, min=0, help="Kernels kept ready for each of those notebooks.").tag(
        config=True
    )

    def __init__(self, **kwargs: Any) -> None:
        # Not Voilà's __init__: it would start kernels now, before the kit's extension has put
        # the environment in place that they inherit, and it expects Voilà's own application.
        AsyncMappingKernelManager.__init__(self, **kwargs)
        self._wait_at_startup = True
        self.notebook_data: dict[str, Any] = {}
        self._pools: dict[str, list[asyncio.Task]] = {}
        self.notebook_path = None
        self._voila_configuration: VoilaConfiguration | None = None
        use_kit_template(os.environ)  # before Voilà's extension looks for its templates
        IOLoop.current().add_callback(self._start_pools)

    # -- the pools ---------------------------------------------------------------------------------
    def _start_pools(self) -> None:
        app = self.parent
        web_app = getattr(app, "web_app", None)
        if web_app is None:  # not inside a Jupyter server: nothing to preheat for
            return
        if getattr(app, "certfile", None):
            # a kernel would have to trust the server's certificate to ask for its request
            self.log.info("Preheated kernels: off, as the server runs HTTPS")
            return
        base_url = web_app.settings.get("base_url", "/")
        web_app.add_handlers(".*$", [(query_route(base_url), LocalRequestInfoHandler)])
        root = Path(self.root_dir)
        for notebook in self.preheat_notebooks:
            if (root / notebook).is_file():
                self.fill_if_needed(delay=0, notebook_name=notebook)
            else:
                self.log.warning("Preheated kernels: %s has no %s", root, notebook)

    def kernel_environment(self) -> dict[str, str]:
        """What a preheated kernel starts with: the server's environment now, plus where to
        ask for its request."""
        app = self.parent
        base_url = app.web_app.settings.get("base_url", "/")
        env = dict(os.environ)
        env.update(
            {
                ENV_VARIABLE.VOILA_BASE_URL: base_url,
                ENV_VARIABLE.VOILA_SERVER_URL: base_url,
                ENV_VARIABLE.VOILA_APP_IP: same_host_address(str(app.ip)),
                ENV_VARIABLE.VOILA_APP_PORT: str(app.port),
                ENV_VARIABLE.VOILA_PREHEAT: "True",
            }
        )
        return env

    def fill_if_needed(
        self,
        delay: float | None = None,
        notebook_name: str | None = None,
        extra_kernel_env_variables: dict | None = None,
        **kwargs: Any,
    ) -> None:
        """Start kernels until ``notebook_name``'s pool holds ``pool_size``. The request that
        emptied the pool is not handed on to the next kernel (Voilà would pass its URL on)."""
        if notebook_name not in self.preheat_notebooks or self.pool_size <= 0:
            return
        delay = self.fill_delay if delay is None else delay
        pool = self._pools.setdefault(notebook_name, [])
        loop = asyncio.get_event_loop()
        for _ in range(self.pool_size - len(pool)):
            start = self._initialize(
                notebook_name,
                None,
                path=os.path.dirname(notebook_name),
                env=self.kernel_environment(),
            )
            task = loop.create_task(wait_before(delay, start))
            task.add_done_callback(functools.partial(self._started, notebook_name))
            pool.append(task)

    def _started(self, notebook_name: str, task: asyncio.Task) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        self.log.error("Preheated kernel for %s failed to start: %s", notebook_name, exc)
        pool = self._pools.get(notebook_name, [])
        if task in pool:  # never hand a failed kernel to a page; the page gets a new one
            pool.remove(task)

    def get_pool_size(self, notebook_name: str) -> int:
        return len(self._pools.get(notebook_name, []))

    async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> None:
        # The request a kernel was given stays cached (a notebook may ask for it twice) until
        # the kernel goes.
        RequestInfoSocketHandler._cache.pop(kernel_id, None)
        await super().shutdown_kernel(kernel_id, *args, **kwargs)

    # -- rendering ---------------------------------------------------------------------------------
    def voila_configuration(self) -> VoilaConfiguration:
        """Voilà's configuration, read as its server extension reads it."""
        if self._voila_configuration is None:
            conf = VoilaConfiguration(parent=self.parent)
            local = load_config_file()
            if local is not None:
                conf.update_config(local)
            self._voila_configuration = conf
        return self._voila_configuration

    def _notebook_renderer_factory(self, notebook_path: str | None = None) -> NotebookRenderer:
        app = self.parent
        settings = app.web_app.settings
        conf = self.voila_configuration()
        base_url = settings.get("base_url", "/")
        page_config_kwargs = {
            "base_url": base_url,
            "settings": settings,
            "log": app.log,
            "voila_configuration": conf,
        }
        page_config = get_page_config(**page_config_kwargs)
        if conf.page_config_hook:
            page_config = conf.page_config_hook(
                page_config, **page_config_kwargs, notebook_path=notebook_path
            )
        return NotebookRenderer(
            voila_configuration=conf,
            traitlet_config=app.config,
            notebook_path=notebook_path,
            template_paths=collect_template_paths(["voila", "nbconvert"], conf.template),
            config_manager=app.config_manager,
            contents_manager=app.contents_manager,
            base_url=base_url,
            kernel_spec_manager=app.kernel_spec_manager,
            page_config=page_config,
            mathjax_config=settings.get("mathjax_config"),
            mathjax_url=settings.get("mathjax_url"),
        )
