"""Debian's real nginx in front of participants' processes, for tests and benchmarks.

:func:`render_site` turns the shipped ``partnership_tools/deploy/nginx-participants.conf`` into
one for a test: its ``listen`` on a loopback address and free port, its ``upstream`` servers the
given ports, its log and cache paths in a temporary folder; every other directive is the shipped
one. :class:`Nginx` wraps it in a main configuration (``daemon off``, pid, error log and temp
paths under its own prefix) and runs ``/usr/sbin/nginx -p PREFIX -c CONF`` in the foreground.

:class:`ParticipantProcess` is one ``python3 -m partnership_tools participants --port 0``; it
reads the one line the command prints to learn the port it got.

Everything listens on loopback only; waits are on conditions with a deadline, never fixed sleeps.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "partnership_tools" / "deploy" / "nginx-participants.conf"
NGINX = Path("/usr/sbin/nginx")
#: Where nginx listens in tests (a second loopback address: never this machine's network ones).
PROXY_HOST = "127.0.0.2"
UPSTREAM_HOST = "127.0.0.1"


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _replace_once(text: str, pattern: str, new: str) -> str:
    """``text`` with the one match of ``pattern`` (a multi-line regex) replaced by ``new``;
    AssertionError when it matches no line or several (the shipped file changed shape)."""
    found = re.findall(pattern, text, flags=re.M)
    assert len(found) == 1, f"{pattern!r} matched {len(found)} times in {SHIPPED.name}"
    return re.sub(pattern, lambda _m: new, text, count=1, flags=re.M)


def render_site(
    listen: tuple[str, int], upstream_ports: Sequence[int], prefix: Path, shipped: Path = SHIPPED
) -> str:
    """The shipped site with ``listen``, the upstream servers, and log/cache paths under
    ``prefix``; every other line as shipped.

    >>> text = render_site(("127.0.0.2", 8099), [9001, 9002], Path("/tmp/n"))
    >>> [line.strip() for line in text.splitlines() if line.strip().startswith(("listen", "server 1"))]
    ['server 127.0.0.1:9001 max_fails=1 fail_timeout=5s;', 'server 127.0.0.1:9002 max_fails=1 fail_timeout=5s;', 'listen 127.0.0.2:8099;']
    """
    text = shipped.read_text(encoding="utf-8")
    servers = re.findall(r"^(\s*)server 127\.0\.0\.1:\d+ (.*);$", text, flags=re.M)
    assert servers, "the shipped upstream names no server 127.0.0.1:PORT"
    indent, params = servers[0]
    lines = "\n".join(f"{indent}server {UPSTREAM_HOST}:{p} {params};" for p in upstream_ports)
    text = re.sub(
        r"(?:^\s*server 127\.0\.0\.1:\d+ .*;\n)+", lines + "\n", text, count=1, flags=re.M
    )
    host, port = listen
    text = _replace_once(text, r"^(\s*)listen 80;$", f"    listen {host}:{port};")
    text = _replace_once(
        text,
        r"^proxy_cache_path /var/cache/nginx/partnership-tools ",
        f"proxy_cache_path {prefix / 'cache'} ",
    )
    return _replace_once(
        text,
        r"^(\s*)access_log /var/log/nginx/partnership-tools\.access\.log",
        f"    access_log {prefix / 'access.log'}",
    )


def main_config(prefix: Path, site: Path) -> str:
    """A whole nginx configuration that includes ``site``: in the foreground, one worker, every
    file it writes under ``prefix``."""
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers may write in prefix
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / 'temp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"daemon off;\n{user}worker_processes 1;\npid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} notice;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n    default_type application/octet-stream;\n{temp}\n"
        f"    include {site};\n}}\n"
    )


def wait_until(condition, timeout: float, what: str, step: float = 0.05) -> None:
    """Poll ``condition()`` until it is true; AssertionError naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")
        threading.Event().wait(step)  # a poll interval, not a wait for the condition itself


def answers(url: str) -> bool:
    """Whether ``url`` (plain http) answers 200 now; straight to it, never through a proxy
    that the environment may name."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=5)
    try:
        conn.request("GET", parts.path or "/")
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


class Nginx:
    """Real nginx on ``PROXY_HOST``: ``with Nginx(tmp, [8870, 8871]) as proxy: proxy.url("/")``."""

    def __init__(
        self, prefix: Path, upstream_ports: Sequence[int], port: int | None = None
    ) -> None:
        self.prefix = Path(prefix)
        self.port = port or free_port(PROXY_HOST)
        self.upstream_ports = list(upstream_ports)
        self.proc: subprocess.Popen[bytes] | None = None
        for d in ("temp", "cache"):
            (self.prefix / d).mkdir(parents=True, exist_ok=True)
        self.site = self.prefix / "participants.conf"
        self.site.write_text(
            render_site((PROXY_HOST, self.port), self.upstream_ports, self.prefix), encoding="utf-8"
        )
        self.conf = self.prefix / "nginx.conf"
        self.conf.write_text(main_config(self.prefix, self.site), encoding="utf-8")
        self.access_log = self.prefix / "access.log"

    def command(self, *extra: str) -> list[str]:
        return [str(NGINX), "-p", str(self.prefix), "-e", str(self.prefix / "error.log"),
                "-c", str(self.conf), *extra]  # fmt: skip

    def check(self) -> subprocess.CompletedProcess[str]:
        """``nginx -t`` on the configuration (its verdict is in stderr)."""
        return subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=60)

    def url(self, path: str) -> str:
        return f"http://{PROXY_HOST}:{self.port}{path}"

    def start(self) -> Nginx:
        checked = self.check()
        assert checked.returncode == 0, f"nginx -t refused the configuration: {checked.stderr}"
        self.proc = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until(self._listening, 60, f"nginx on {PROXY_HOST}:{self.port}")
        return self

    def _listening(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            log = (self.prefix / "error.log").read_text(errors="replace")
            raise AssertionError(f"nginx exited with {self.proc.returncode}: {log[-2000:]}")
        try:
            with socket.create_connection((PROXY_HOST, self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        """Stop gracefully (SIGQUIT), then kill after 30 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGQUIT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def upstream_counts(self) -> dict[str, int]:
        """How many requests in the access log each upstream ``host:port`` answered (a request
        passed on counts for the last one it reached)."""
        counts: dict[str, int] = {}
        for line in self.access_log.read_text(errors="replace").splitlines():
            m = re.search(r" upstream=(\S.*?) upstream_status=", line)
            if not m or m.group(1) == "-":
                continue
            last = m.group(1).split(",")[-1].split(":")
            addr = ":".join(p.strip() for p in last[-2:])
            counts[addr] = counts.get(addr, 0) + 1
        return counts

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def child_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a participants' process: this one with the checkout first on
    ``PYTHONPATH`` and no hub or public-URL variables, plus ``env``."""
    out = dict(os.environ)
    for name in ("JUPYTERHUB_SERVICE_PREFIX", "JUPYTERHUB_SERVICE_URL", "PT_PUBLIC_URL"):
        out.pop(name, None)
    out["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *[p for p in out.get("PYTHONPATH", "").split(os.pathsep) if p]]
    )
    out.update(env or {})
    return out


class ParticipantProcess:
    """``python3 -m partnership_tools participants --db TARGET --port 0`` on ``UPSTREAM_HOST``,
    in its own process group; ``port`` is read from the line it prints."""

    LINE = re.compile(r"participants' pages at http://[^:/]+:(\d+)/")

    def __init__(
        self,
        target: str,
        workdir: Path,
        extra: Sequence[str] = (),
        env: dict[str, str] | None = None,
        address: bool = True,
        base: str = "",
    ) -> None:
        """``address``: pass ``--host 127.0.0.1 --port 0`` (else the environment decides);
        ``base``: the path prefix the pages are under (for the health check)."""
        self.target = target
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.extra = list(extra)
        self.listen_flags = address
        self.base = base.rstrip("/")
        self.env = child_env(env)
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0
        self.lines: list[str] = []
        self.stderr_path = self.workdir / "stderr.log"

    def start(self, timeout: float = 60) -> ParticipantProcess:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "partnership_tools",
                "participants",
                "--db",
                self.target,
                *(["--host", UPSTREAM_HOST, "--port", "0"] if self.listen_flags else []),
                *self.extra,
            ],  # fmt: skip
            stdout=subprocess.PIPE,
            stderr=self.stderr_path.open("w"),
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=self.workdir,
            env=self.env,
            start_new_session=True,
        )
        got = threading.Event()

        def read() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                self.lines.append(line.rstrip("\n"))
                m = self.LINE.search(line)
                if m and not self.port:
                    self.port = int(m.group(1))
                    got.set()
            got.set()

        threading.Thread(target=read, daemon=True).start()
        if not got.wait(timeout) or not self.port:
            self.kill()
            raise AssertionError(
                f"the participants' process did not say where it listens: {self.lines!r}"
                f" {self.stderr_text()[-2000:]}"
            )
        health = self.url(f"{self.base}/vote/")
        wait_until(lambda: answers(health), timeout, health)
        return self

    def url(self, path: str) -> str:
        return f"http://{UPSTREAM_HOST}:{self.port}{path}"

    @property
    def address(self) -> str:
        return f"{UPSTREAM_HOST}:{self.port}"

    def stderr_text(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM, then wait for the exit status."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL to its process group (no clean stop), and reap it."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=60)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.terminate(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
