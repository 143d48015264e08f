"""PostgreSQL for the test suite: a server on loopback, and brand-new empty databases on it.

Where the server comes from, first match wins (:func:`resolve_postgres_url`):

1. ``PT_TEST_POSTGRES_URL`` (``postgresql://user:password@127.0.0.1:5432/dbname``), when set. It
   must name a server on loopback that answers, as a role that may create databases and roles
   (a superuser is simplest); otherwise the tests fail with one sentence saying so.
2. The URL that ``.ci/install`` wrote to ``/tmp/partnership-tools-ci/postgres-url`` (Debian's
   cluster ``main``, role ``pt`` with password ``pt``), when that server answers.
3. A private cluster made for this test session with Debian's ``initdb`` and ``pg_ctl``
   (``/usr/lib/postgresql/<version>/bin``, the newest version first) in a temporary folder:
   password authentication (scram-sha-256) for a superuser ``pt`` with a random password,
   listening on 127.0.0.1 only on a free port, its Unix socket inside that folder. As root it runs
   as the ``postgres`` system user (PostgreSQL refuses to run as root). It is stopped and removed
   at the end of the session.

If none of these gives a server, the tests that need one fail (they are never skipped) with one
sentence naming what is missing.

Admin statements go through psycopg 3 in autocommit mode; every wait is on a condition (the server
answers) with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import atexit
import contextlib
import ipaddress
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

ENV_URL = "PT_TEST_POSTGRES_URL"
CI_URL_FILE = Path("/tmp/partnership-tools-ci/postgres-url")
DEBIAN_BINDIRS = "/usr/lib/postgresql/*/bin"
START_TIMEOUT = 60.0


class PostgresUnavailable(Exception):
    """No PostgreSQL server could be found or started; the message is one sentence."""


def plain_url(url: str) -> str:
    """The libpq form of a SQLAlchemy-style URL: ``postgresql+psycopg://`` becomes
    ``postgresql://``; anything else is returned unchanged."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def describe(url: str) -> str:
    """``postgresql://user@host:port/dbname``: the URL without its password, for messages."""
    parts = urlsplit(plain_url(url))
    user = unquote(parts.username or "")
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    at = f"{user}@" if user else ""
    return f"postgresql://{at}{host}{port}{parts.path}"


def database_of(url: str) -> str:
    """The database a URL names (the path without its slash)."""
    return unquote(urlsplit(plain_url(url)).path.lstrip("/"))


def url_with_database(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    parts = urlsplit(plain_url(url))
    return urlunsplit(parts._replace(path="/" + quote(name, safe="")))


def url_with_credentials(url: str, user: str, password: str) -> str:
    """The same server and database, logging in as ``user`` with ``password``."""
    parts = urlsplit(plain_url(url))
    host = parts.hostname or "localhost"
    if ":" in host:  # an IPv6 address goes in brackets
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}{port}"
    return urlunsplit(parts._replace(netloc=netloc))


def is_loopback_url(url: str) -> bool:
    """True when the URL's host is on loopback: 127.0.0.0/8, ::1, ``localhost``, or a Unix
    socket folder (a host that is an absolute path)."""
    host = urlsplit(plain_url(url)).hostname or "localhost"
    if host == "localhost" or host.startswith("/"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def connect(url: str, timeout: float = 5.0) -> psycopg.Connection:
    """An autocommit psycopg connection to ``url``."""
    return psycopg.connect(plain_url(url), autocommit=True, connect_timeout=max(1, round(timeout)))


def why_not_answering(url: str, timeout: float = 5.0) -> str | None:
    """None when the server at ``url`` accepts a login and runs ``SELECT 1``; else psycopg's
    reason, on one line."""
    try:
        with connect(url, timeout) as conn:
            conn.execute("SELECT 1").fetchone()
    except psycopg.Error as exc:
        return " ".join(str(exc).split()) or type(exc).__name__
    return None


def wait_until_answers(url: str, timeout: float = START_TIMEOUT) -> str | None:
    """Try :func:`why_not_answering` until it returns None or ``timeout`` seconds have passed;
    returns the last reason (None when the server answered)."""
    deadline = time.monotonic() + timeout
    while True:
        reason = why_not_answering(url, timeout=min(5.0, timeout))
        if reason is None or time.monotonic() >= deadline:
            return reason
        time.sleep(0.1)  # between attempts only; the loop ends on the condition or the deadline


def find_bindir(candidates: Iterable[Path] | None = None) -> Path | None:
    """The first folder holding both ``initdb`` and ``pg_ctl``: by default Debian's
    ``/usr/lib/postgresql/<version>/bin`` (newest version first), then ``pg_ctl`` on PATH."""
    if candidates is None:
        debian = sorted(
            Path("/usr/lib/postgresql").glob("*/bin"),
            key=lambda p: [int(x) if x.isdigit() else 0 for x in p.parent.name.split(".")],
            reverse=True,
        )
        on_path = shutil.which("pg_ctl")
        candidates = [*debian, *([Path(on_path).parent] if on_path else [])]
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on at ``host`` right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass
class PrivateCluster:
    """A throwaway PostgreSQL cluster in a temporary folder, owned by this test session."""

    bindir: Path
    root: Path
    port: int
    password: str
    user: str = "pt"
    run_as: str | None = None  # the system user that runs the server (``postgres`` as root)
    _stopped: bool = field(default=False, repr=False)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/postgres"

    def postmaster_pid(self) -> int | None:
        """The server's process id, from ``postmaster.pid`` (None when it is not running)."""
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    @classmethod
    def start(
        cls,
        bindir: Path | None = None,
        timeout: float = START_TIMEOUT,
        candidates: Iterable[Path] | None = None,
    ) -> PrivateCluster:
        """Make and start a cluster with the binaries in ``bindir`` (else the first of
        :func:`find_bindir`'s ``candidates``); raises :class:`PostgresUnavailable` (one sentence)
        when it cannot."""
        bindir = bindir or find_bindir(candidates)
        if bindir is None:
            raise PostgresUnavailable(
                "No PostgreSQL server for the tests: PT_TEST_POSTGRES_URL is not set, "
                f"{CI_URL_FILE} names no running server, and no initdb/pg_ctl was found in "
                f"{DEBIAN_BINDIRS} or on PATH (install Debian's postgresql package or run "
                ".ci/install)."
            )
        run_as = None
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable(
                    "PostgreSQL refuses to run as root and there is no 'postgres' system user to "
                    "run the tests' private cluster as (install Debian's postgresql package)."
                ) from None
            run_as = "postgres"
        root = Path(tempfile.mkdtemp(prefix="pt-postgres-"))
        if run_as is not None:
            os.chown(root, owner.pw_uid, owner.pw_gid)
        cluster = cls(bindir=bindir, root=root, port=0, password=secrets.token_hex(16))
        cluster.run_as = run_as
        try:
            cluster._initdb()
            last = ""
            for _ in range(3):  # a free port may be taken between our check and the server's bind
                cluster.port = free_port()
                last = cluster._pg_ctl_start(timeout)
                if not last:
                    break
                if "already in use" not in last and "could not bind" not in last:
                    break
            if last:
                raise PostgresUnavailable(
                    f"The tests' private PostgreSQL cluster ({bindir}) did not start: {last} "
                    f"(server log: {cluster.log})."
                )
            reason = wait_until_answers(cluster.url, timeout)
            if reason is not None:
                raise PostgresUnavailable(
                    f"The tests' private PostgreSQL cluster on 127.0.0.1:{cluster.port} started "
                    f"but does not accept its superuser's login: {reason} (server log: "
                    f"{cluster.log})."
                )
        except BaseException:
            cluster.stop(keep_log=True)
            raise
        atexit.register(cluster.stop)
        return cluster

    def _run(self, *args: str, timeout: float = START_TIMEOUT) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        for var in ("PGHOST", "PGPORT", "PGDATA", "PGUSER", "PGPASSWORD", "PGDATABASE"):
            env.pop(var, None)
        return subprocess.run(
            command,
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def _write_owned(self, path: Path, text: str) -> None:
        path.write_text(text)
        path.chmod(0o600)
        if self.run_as is not None:
            owner = pwd.getpwnam(self.run_as)
            os.chown(path, owner.pw_uid, owner.pw_gid)

    def _initdb(self) -> None:
        pwfile = self.root / "superuser-password"
        self._write_owned(pwfile, self.password + "\n")
        done = self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.user,
            f"--pwfile={pwfile}",
            "--auth-host=scram-sha-256",
            "--auth-local=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        pwfile.unlink()
        if done.returncode != 0:
            detail = " ".join((done.stderr or done.stdout).split())[-400:]
            raise PostgresUnavailable(
                f"initdb ({self.bindir}) could not make the tests' private PostgreSQL cluster: "
                f"{detail}."
            )
        settings = (
            "\n# The test session's settings (tests/pg.py)\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.root}'\n"
            "max_connections = 200\n"
            "logging_collector = off\n"
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(settings)

    def _pg_ctl_start(self, timeout: float) -> str:
        """Start the server on ``self.port``; '' on success, else what went wrong (one line)."""
        done = self._run(
            str(self.bindir / "pg_ctl"),
            "start",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            str(round(timeout)),
            "-o",
            f"-p {self.port}",
            timeout=timeout + 30,
        )
        if done.returncode == 0:
            return ""
        with contextlib.suppress(OSError):
            log_tail = self.log.read_text().strip().splitlines()[-3:]
            return " ".join(" ".join(log_tail).split())[-400:] or "pg_ctl failed"
        return " ".join((done.stderr or done.stdout).split())[-400:] or "pg_ctl failed"

    def stop(self, keep_log: bool = False) -> None:
        """Stop the server (fast shutdown, then immediate) and remove its folder (unless
        ``keep_log``, for a cluster that failed to start)."""
        if self._stopped:
            return
        self._stopped = True
        if (self.data / "postmaster.pid").exists():
            for mode in ("fast", "immediate"):
                args = ("stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60")
                with contextlib.suppress(subprocess.TimeoutExpired):
                    if self._run(str(self.bindir / "pg_ctl"), *args, timeout=90).returncode == 0:
                        break
        if not keep_log:
            shutil.rmtree(self.root, ignore_errors=True)


def resolve_postgres_url(
    env: Mapping[str, str] | None = None, url_file: Path | None = None
) -> tuple[str, PrivateCluster | None]:
    """The admin URL of a PostgreSQL server for the tests, and the private cluster started for it
    (None when the server was already running). See the module's docstring for the order;
    ``env`` defaults to the process's environment, ``url_file`` to :data:`CI_URL_FILE`."""
    env = os.environ if env is None else env
    url_file = CI_URL_FILE if url_file is None else url_file
    given = env.get(ENV_URL, "").strip()
    if given:
        if not is_loopback_url(given):
            raise PostgresUnavailable(
                f"{ENV_URL} names {describe(given)}, which is not on loopback; the tests only talk "
                "to 127.0.0.0/8, ::1 or localhost."
            )
        reason = why_not_answering(given)
        if reason is not None:
            raise PostgresUnavailable(
                f"{ENV_URL} names {describe(given)}, which cannot be used ({reason}); fix the URL, "
                f"start that server or unset {ENV_URL}."
            )
        return plain_url(given), None
    if url_file.is_file():
        written = url_file.read_text().strip()
        if written and is_loopback_url(written) and why_not_answering(written) is None:
            return plain_url(written), None
    cluster = PrivateCluster.start()
    return cluster.url, cluster


def server_version(admin_url: str) -> int:
    """The server's version number, e.g. 150010 for 15.10."""
    with connect(admin_url) as conn:
        return int(conn.info.server_version)


def create_database(admin_url: str, prefix: str = "pt_test_") -> str:
    """Create a new, empty database with a unique name (from ``template0``, UTF-8) owned by the
    admin URL's role; returns its URL (same server and credentials)."""
    name = f"{prefix}{uuid.uuid4().hex[:16]}"
    with connect(admin_url) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                sql.Identifier(name)
            )
        )
    return url_with_database(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    """Drop database ``name``, ending every connection still open to it first."""
    with connect(admin_url) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        force = sql.SQL(" WITH (FORCE)") if conn.info.server_version >= 130000 else sql.SQL("")
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)) + force)


def make_role(postgres_url: str, name: str, password: str) -> str:
    """Create (or reset) a login role ``name`` with ``password`` (no other rights) and return the
    URL that logs in as it to the same server and database. Roles belong to the whole server; a
    private cluster's go with it, others stay until :func:`drop_role`."""
    with connect(postgres_url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(
            sql.SQL(verb + " ROLE {} WITH LOGIN NOSUPERUSER PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(password)
            )
        )
    return url_with_credentials(postgres_url, name, password)


def drop_role(postgres_url: str, name: str) -> None:
    """Drop role ``name`` if it exists, ending its sessions first."""
    with connect(postgres_url) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,)
        )
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
