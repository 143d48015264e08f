"""A real JupyterHub on loopback with the shipped ``partnership_tools/deploy/jupyterhub_config.py``.

:class:`HubProcess` starts ``python -m jupyterhub -f <the shipped config>`` in its own process
group, in a state folder of its own (the hub's database, cookie secret and proxy pid file), with
the config's environment variables only (free loopback ports, the dummy authenticator, the
simple local spawner, the store named by ``store``), and waits until the hub and the
participants' service answer through the proxy. :meth:`HubProcess.stop` ends everything the hub
started: the proxy, the facilitators' servers and their kernels, and the service. Each of those
runs in a process group of its own, so they are found as the hub's descendants while it runs
and their groups are ended after the hub has stopped.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from partnership_tools.server.serve import free_port, kit_pythonpath

ROOT = Path(__file__).resolve().parents[2]
HUB_CONFIG = ROOT / "partnership_tools" / "deploy" / "jupyterhub_config.py"
HOST = "127.0.0.1"


def proxy_available() -> bool:
    """Whether ``configurable-http-proxy`` (from the npm registry) is on the PATH."""
    return shutil.which("configurable-http-proxy") is not None


def _children() -> dict[int, list[int]]:
    """Every process's children, from ``/proc`` (Linux)."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and brackets; split after the last ")"
        fields = stat.rsplit(")", 1)[1].split()
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (children, grandchildren, ...) at this moment."""
    tree = _children()
    found: list[int] = []
    todo = list(tree.get(pid, []))
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(tree.get(p, []))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process now holds the number
        return False
    try:  # a zombie has ended; it only waits for its parent
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class HubProcess:
    """JupyterHub with the shipped config, on loopback::

        with HubProcess(workdir, store="/tmp/x/store.sqlite") as hub:
            urllib.request.urlopen(hub.url("/services/participants/vote/"))

    ``base_url`` is the proxy's address (what a browser opens); ``url(path)`` a URL on it;
    ``participants_url(path)`` one on the participants' service through the proxy; ``log()``
    what the hub printed. ``env`` adds or overrides the config's environment variables.
    """

    def __init__(
        self,
        workdir: str | os.PathLike[str],
        store: str,
        env: dict[str, str] | None = None,
        startup_timeout: float = 120.0,
    ) -> None:
        self.workdir = Path(workdir)
        self.state = self.workdir / "hub-state"
        self.state.mkdir(parents=True, exist_ok=True)
        self.store = store
        self.port = free_port(HOST)
        self.base_url = f"http://{HOST}:{self.port}"
        self.service_port = free_port(HOST)
        self.extra_env = dict(env or {})
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self._seen: set[int] = set()
        self._log_path = self.workdir / "jupyterhub.log"
        self._log_file: object | None = None

    def url(self, path: str = "/") -> str:
        return self.base_url + "/" + path.lstrip("/")

    def participants_url(self, path: str = "/") -> str:
        return self.url("/services/participants/" + path.lstrip("/"))

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PT_", "JUPYTERHUB_"))}
        env.pop("PARTNERSHIP_TOOLS_DB", None)
        for name in ("JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR"):
            d = self.workdir / name.lower()
            d.mkdir(exist_ok=True)
            env[name] = str(d)
        env.update(
            {
                "PARTNERSHIP_TOOLS_DB": self.store,
                "PT_HUB_STATE_DIR": str(self.state),
                "PT_HUB_BIND_URL": self.base_url,
                "PT_HUB_API_URL": f"http://{HOST}:{free_port(HOST)}",
                "PT_HUB_PROXY_API_URL": f"http://{HOST}:{free_port(HOST)}",
                "PT_HUB_AUTHENTICATOR": "dummy",
                "PT_HUB_SPAWNER": "simple",
                "PT_HUB_HOMES": str(self.workdir / "homes"),
                "PT_PARTICIPANTS_SERVICE_URL": f"http://{HOST}:{self.service_port}",
                "PARTNERSHIP_TOOLS_LOG": str(self.workdir / "partnership-tools.log"),
                "PYTHONPATH": kit_pythonpath(env),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def command(self) -> list[str]:
        return [sys.executable, "-m", "jupyterhub", "-f", str(HUB_CONFIG)]

    def start(self) -> HubProcess:
        log = open(self._log_path, "wb")  # noqa: SIM115 - closed in stop()
        self._log_file = log
        self.proc = subprocess.Popen(
            self.command(),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.environment(),
            cwd=str(self.state),
            start_new_session=True,
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            self._remember()
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"jupyterhub exited with status {self.proc.returncode}:\n" + self.log()[-6000:]
                )
            if self._answers("/hub/health") and self._answers("/services/participants/vote/"):
                return self
            time.sleep(0.3)
        text = self.log()[-6000:]
        self.stop()
        raise RuntimeError(
            f"jupyterhub did not answer within {self.startup_timeout:.0f} s:\n{text}"
        )

    def _answers(self, path: str) -> bool:
        try:
            with urllib.request.urlopen(self.url(path), timeout=3) as r:
                return bool(r.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def _remember(self) -> None:
        """Note the hub's descendants now (they leave its process group, so stop() needs them)."""
        if self.proc is not None and self.proc.poll() is None:
            self._seen.update(descendants(self.proc.pid))

    def remember(self) -> None:
        """Call after something started new processes (a spawned server, its kernels)."""
        self._remember()

    def log(self) -> str:
        try:
            return self._log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 30.0) -> None:
        self._remember()
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # the hub stops its servers, service and proxy
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        groups = {proc.pid} if proc is not None else set()
        for pid in self._seen:
            try:
                groups.add(os.getpgid(pid))
            except ProcessLookupError:
                pass
        groups.discard(os.getpgrp())  # never this test's own group
        for group in groups:  # whatever the hub left behind, kernels included
            try:
                os.killpg(group, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in self._seen) and time.monotonic() < deadline:
            time.sleep(0.1)
        if self._log_file is not None:
            self._log_file.close()  # type: ignore[attr-defined]
            self._log_file = None

    def left_running(self) -> list[int]:
        """Processes the hub started that still run (after :meth:`stop`, none should)."""
        return sorted(p for p in self._seen if _alive(p))

    def __enter__(self) -> HubProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
