"""The built wheel: it carries the app notebooks and the sample data, and once installed (not
editable) in a fresh virtual environment its ``partnership-tools serve --sample`` serves the
ballot page and every app.

The virtual environment reuses the already-installed dependencies (``--system-site-packages``)
so the test stays fast and offline; the wheel goes in with ``--no-deps --force-reinstall``. The
checkout's editable install (a ``.pth`` file in the shared site-packages that appends the checkout
to ``sys.path``) must not shadow the wheel's copy, so every check runs with ``PYTHONPATH``
removed, from an empty folder, and asserts where ``partnership_tools`` was imported from.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from partnership_tools.server.serve import ServerProcess  # noqa: E402

SHIPPED = (
    "partnership_tools/notebooks/facilitator.ipynb",
    "partnership_tools/notebooks/projector.ipynb",
    "partnership_tools/notebooks/partnership_review.ipynb",
    "partnership_tools/notebooks/replay_session.ipynb",
    "partnership_tools/sample_data/county_joint_working.json",
    "partnership_tools/sample_data/review/ten_lessons_review.json",
)
APP_PAGES = (
    "facilitator.ipynb",
    "projector.ipynb",
    "partnership_review.ipynb",
    "replay_session.ipynb",
)
SAMPLE_SESSION = "county-joint-working"


def clean_env() -> dict[str, str]:
    """This process's environment without anything that points Python at the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.pop("PARTNERSHIP_TOOLS_DB", None)
    env["PYTHONNOUSERSITE"] = "1"
    return env


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    empty: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def run_python(self, code: str) -> str:
        out = subprocess.run(
            [str(self.python), "-s", "-c", code],
            cwd=self.empty,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("partnership_tools-*.whl")
    env_dir = base / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False, symlinks=True).create(env_dir)
    empty = base / "empty"
    empty.mkdir()
    # The venv sees the shared site-packages, so the pip found there installs into the venv.
    install = subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q"]
        + ["--no-deps", "--force-reinstall", "--no-index", str(wheel)],
        cwd=empty,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    yield Installed(wheel, env_dir, empty)


def test_the_wheel_carries_the_notebooks_and_the_sample_data(installed):
    with zipfile.ZipFile(installed.wheel) as zf:
        names = set(zf.namelist())
        for name in SHIPPED:
            assert name in names, name
        # The copies are the repository's files, byte for byte.
        for name in SHIPPED:
            rel = name.removeprefix("partnership_tools/")
            assert zf.read(name) == (ROOT / rel).read_bytes(), name
    assert not any("__pycache__" in n for n in names)


def test_the_venv_imports_the_wheel_not_the_checkout(installed):
    site = installed.run_python("import sysconfig; print(sysconfig.get_paths()['purelib'])")
    found = json.loads(
        installed.run_python(
            "import json, partnership_tools, partnership_tools.server.extension as e\n"
            "from partnership_tools.kernel.resources import notebooks_dir, sample_dir\n"
            "print(json.dumps([partnership_tools.__file__, e.__file__,"
            " str(notebooks_dir()), str(sample_dir())]))"
        )
    )
    venv_site = Path(site).resolve()
    assert venv_site.is_relative_to(installed.venv.resolve())
    for path in found:
        p = Path(path).resolve()
        assert p.is_relative_to(venv_site), path
        assert not p.is_relative_to(ROOT), path
    assert (installed.venv / "bin" / "partnership-tools").is_file()


class WheelServer(ServerProcess):
    """The venv's ``partnership-tools serve --sample``, run from an empty folder."""

    def __init__(self, installed: Installed, workdir: Path) -> None:
        super().__init__(workdir=workdir, cwd=installed.empty, startup_timeout=120)
        self.installed = installed

    def command(self) -> list[str]:
        return [
            str(self.installed.venv / "bin" / "partnership-tools"),
            "serve",
            "--sample",
            "--db",
            str(self.db_path),
            "--port",
            str(self.port),
            f"--token={self.token}",
        ]

    def environment(self) -> dict[str, str]:
        env = super().environment()
        env.pop("PYTHONPATH", None)  # the base class names the checkout; the wheel must not need it
        env["PYTHONNOUSERSITE"] = "1"
        # A --system-site-packages venv shares the modules but not the data files the
        # dependencies installed (Voilà's page templates): point Jupyter at the shared ones.
        shared = Path(sys.prefix) / "share" / "jupyter"
        env["JUPYTER_PATH"] = os.pathsep.join(
            p for p in (env.get("JUPYTER_PATH", ""), str(shared)) if p
        )
        return env


@pytest.fixture(scope="module")
def wheel_server(installed, tmp_path_factory) -> Iterator[WheelServer]:
    with WheelServer(installed, tmp_path_factory.mktemp("wheel-serve")) as srv:
        yield srv


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=120) as r:
        return r.status, r.read().decode("utf-8", "replace")


def test_the_installed_server_uses_the_wheels_files(wheel_server, installed):
    assert not any(installed.empty.iterdir())  # the server wrote nothing where it ran
    shipped = installed.venv.resolve() / "lib"
    log = wheel_server.stderr_text()
    line = next(ln for ln in log.splitlines() if "Serving notebooks from local directory" in ln)
    served = Path(line.rsplit(": ", 1)[1].strip()).resolve()
    assert served.is_relative_to(shipped), line
    assert served.name == "notebooks"
    assert "has no" not in wheel_server.stdout_text()  # every app notebook was found


def test_the_installed_ballot_page_answers_without_the_token(wheel_server):
    status, page = get(wheel_server.url(f"/vote/{SAMPLE_SESSION}", token=False))
    assert status == 200
    assert "Voting is closed" in page


@pytest.mark.parametrize("notebook", APP_PAGES)
def test_the_installed_apps_open_with_the_token(wheel_server, notebook):
    status, page = get(wheel_server.url(f"/voila/render/{notebook}"))
    assert status == 200
    # Rendered to the end by Voilà's page template (a missing template still answers 200).
    assert page.rstrip().endswith("</html>")
    assert "voila" in page.lower() and "<body" in page
