"""The PostgreSQL the store tests run on (tests/pg.py, fixtures in tests/conftest.py) is a real
server on loopback: fresh databases are empty and never shared, passwords are checked, nothing
listens beyond 127.0.0.1, and the private-cluster fallback works on its own."""

from __future__ import annotations

import os
import socket
import struct
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from tests import pg

# Databases seen by test_fresh_database_is_empty_and_its_own, with a connection each left open on
# purpose: whichever run comes second checks the first one's database was dropped regardless.
_SEEN: dict[str, psycopg.Connection] = {}


def _listening(port: int, pid: int | None) -> list[str]:
    """``address:port`` of every TCP socket in state LISTEN (0A) on ``port``, IPv4 and IPv6, read
    from /proc/net/tcp{,6}; only process ``pid``'s own sockets when its /proc entry is readable
    (a kernel may hold the same port number for someone else)."""
    owned: set[str] | None = None
    if pid is not None and Path(f"/proc/{pid}/fd").is_dir():
        owned = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                owned.add(target[len("socket:[") : -1])
    found = []
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            parts = line.split()
            if len(parts) <= 9 or parts[3] != "0A" or (owned is not None and parts[9] not in owned):
                continue
            hex_ip, hex_port = parts[1].split(":")
            if int(hex_port, 16) != port:
                continue
            raw = bytes.fromhex(hex_ip)
            # The kernel prints each 32-bit word of the address in host (little-endian) order.
            words = struct.unpack("<" + "I" * (len(raw) // 4), raw)
            ip = socket.inet_ntop(family, struct.pack(">" + "I" * len(words), *words))
            found.append(f"{ip}:{port}")
    return found


def _postmaster_pid(conn: psycopg.Connection) -> int | None:
    """The server's main process: the parent of this connection's backend (None when the
    backend is not visible in this machine's /proc)."""
    backend = conn.execute("SELECT pg_backend_pid()").fetchone()
    assert backend is not None
    try:
        stat = Path(f"/proc/{backend[0]}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])  # field 4, after "pid (comm) state"


def _tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables"
        " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
    ).fetchall()
    return [r[0] for r in rows]


def test_the_server_is_on_loopback_and_answers(postgres_url):
    assert pg.is_loopback_url(postgres_url)
    with pg.connect(postgres_url) as conn:
        assert conn.execute("SELECT 40 + 2").fetchone() == (42,)
        assert conn.info.server_version >= 100000


@pytest.mark.parametrize("run", [1, 2])
def test_fresh_database_is_empty_and_its_own(fresh_postgres, postgres_url, run):
    name = pg.database_of(fresh_postgres)
    assert name.startswith("pt_test_") and name != pg.database_of(postgres_url)
    conn = pg.connect(fresh_postgres)
    assert conn.execute("SELECT current_database()").fetchone() == (name,)
    assert _tables(conn) == []
    conn.execute("CREATE TABLE marker (n integer)")
    conn.execute("INSERT INTO marker VALUES (%s)", (run,))
    assert _tables(conn) == ["public.marker"]
    with pg.connect(postgres_url) as admin:
        for earlier, left_open in _SEEN.items():
            assert earlier != name
            gone = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (earlier,))
            assert gone.fetchone() is None, f"{earlier} was not dropped after its test"
            with pytest.raises(psycopg.OperationalError):  # the fixture ended it to drop it
                left_open.execute("SELECT 1")
    _SEEN[name] = conn  # left open: the fixture must end it before dropping the database


def test_a_wrong_password_is_refused(postgres_role):
    name, url = postgres_role("right horse battery")
    wrong = pg.url_with_credentials(url, name, "wrong horse battery")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong, connect_timeout=5)
    with pg.connect(url) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (name,)


def test_the_server_listens_on_127_0_0_1_only(postgres_url):
    port = int(urlsplit(postgres_url).port or 5432)
    with pg.connect(postgres_url) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        pid = _postmaster_pid(conn)
    assert _listening(port, pid) == [f"127.0.0.1:{port}"]
    # Another loopback address on the same port has nobody behind it.
    with socket.socket() as s, pytest.raises(ConnectionRefusedError):
        s.settimeout(10)
        s.connect(("127.0.0.2", port))


def test_store_target_gives_each_backend(store_target, request, tmp_path):
    if request.node.callspec.params["store_target"] == "sqlite":
        assert store_target == str(tmp_path / "store.sqlite")
        assert not Path(store_target).exists()
    else:
        assert store_target.startswith("postgresql://")
        assert pg.database_of(store_target).startswith("pt_test_")
        with pg.connect(store_target) as conn:
            assert _tables(conn) == []


def test_make_role_resets_the_password_of_an_existing_role(postgres_url, postgres_role):
    name, first = postgres_role("first")
    second = pg.make_role(postgres_url, name, "second")
    assert second == pg.url_with_credentials(first, name, "second")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(first, connect_timeout=5)
    with pg.connect(second) as conn:
        assert conn.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone() == (False,)


def test_a_private_cluster_starts_refuses_strangers_and_goes_away():
    cluster = pg.PrivateCluster.start()
    try:
        assert cluster.url == (
            f"postgresql://pt:{cluster.password}@127.0.0.1:{cluster.port}/postgres"
        )
        assert pg.why_not_answering(cluster.url) is None
        refused = pg.why_not_answering(pg.url_with_credentials(cluster.url, "pt", "not it"))
        assert refused is not None and "password authentication failed" in refused
        pid = cluster.postmaster_pid()
        assert pid is not None
        assert _listening(cluster.port, pid) == [f"127.0.0.1:{cluster.port}"]
        if os.geteuid() == 0:  # PostgreSQL will not run as root: it runs as the postgres user
            assert cluster.run_as == "postgres"
            assert Path(f"/proc/{pid}").stat().st_uid != 0
    finally:
        cluster.stop()
    assert not cluster.root.exists()
    assert pg.why_not_answering(cluster.url, timeout=2) is not None


def test_no_postgresql_binaries_is_one_sentence(tmp_path):
    (tmp_path / "initdb").write_text("")  # initdb alone (no pg_ctl) is not enough
    assert pg.find_bindir([tmp_path]) is None
    with pytest.raises(pg.PostgresUnavailable) as caught:
        pg.PrivateCluster.start(candidates=[tmp_path])
    message = str(caught.value)
    assert "no initdb/pg_ctl was found" in message
    assert message.endswith(".") and message.count(". ") == 0 and "\n" not in message


def test_a_url_that_does_not_answer_is_one_sentence(tmp_path):
    port = pg.free_port()  # nobody listens there
    url = f"postgresql://pt:secret@127.0.0.1:{port}/pt"
    with pytest.raises(pg.PostgresUnavailable) as caught:
        pg.resolve_postgres_url(env={pg.ENV_URL: url}, url_file=tmp_path / "none")
    message = str(caught.value)
    assert message.startswith(f"PT_TEST_POSTGRES_URL names postgresql://pt@127.0.0.1:{port}/pt,")
    assert "secret" not in message and "\n" not in message and message.endswith(".")


def test_a_server_off_loopback_is_refused_without_contacting_it(tmp_path):
    url = "postgresql://pt:pt@192.0.2.1:5432/pt"  # TEST-NET-1: documentation only, never routed
    with pytest.raises(pg.PostgresUnavailable, match="not on loopback"):
        pg.resolve_postgres_url(env={pg.ENV_URL: url}, url_file=tmp_path / "none")


def test_the_ci_url_file_is_used_when_its_server_answers(tmp_path, postgres_url):
    written = tmp_path / "postgres-url"
    written.write_text(postgres_url + "\n")
    assert pg.resolve_postgres_url(env={}, url_file=written) == (postgres_url, None)


def test_urls_are_rewritten_piece_by_piece():
    url = "postgresql+psycopg://al:p%40ss@127.0.0.1:5433/first"
    assert pg.plain_url(url) == "postgresql://al:p%40ss@127.0.0.1:5433/first"
    assert pg.describe(url) == "postgresql://al@127.0.0.1:5433/first"
    assert pg.database_of(url) == "first"
    assert pg.url_with_database(url, "second") == "postgresql://al:p%40ss@127.0.0.1:5433/second"
    assert pg.url_with_credentials(url, "bo", "a/b c") == (
        "postgresql://bo:a%2Fb%20c@127.0.0.1:5433/first"
    )
    assert pg.is_loopback_url("postgresql://u@127.3.4.5/d")
    assert pg.is_loopback_url("postgresql://u@[::1]:5432/d")
    assert not pg.is_loopback_url("postgresql://u@10.0.0.1/d")
