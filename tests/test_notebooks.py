"""The notebooks run headless: papermill runs the parameterised replay notebook on every saved
sample file (and the analyst tour), and we assert on what the executed notebooks show.

(Every notebook in ``notebooks/`` also runs under nbval, through ``testpaths`` and
``--nbval-lax`` in ``pyproject.toml``.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pm = pytest.importorskip("papermill")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SAMPLES = sorted(
    p.relative_to(ROOT).as_posix()
    for p in [
        *(ROOT / "sample_data").glob("*.json"),
        *(ROOT / "sample_data" / "review").glob("*.json"),
    ]
)


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    """Kernels started by papermill inherit this process's environment: give them a store of
    their own and no Voilà request."""
    monkeypatch.setenv("PARTNERSHIP_TOOLS_DB", str(tmp_path / "store.sqlite"))
    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(tmp_path / "downloads"))
    monkeypatch.delenv("QUERY_STRING", raising=False)
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    return tmp_path


def run(name: str, out: Path, cwd: Path = ROOT, **parameters) -> dict:
    pm.execute_notebook(
        str(NOTEBOOKS / name),
        str(out),
        parameters=parameters,
        cwd=str(cwd),
        kernel_name="python3",
        progress_bar=False,
        log_output=False,
    )
    return json.loads(out.read_text(encoding="utf-8"))


def texts(nb: dict) -> str:
    """Every text output of an executed notebook (streams and text/plain), joined."""
    parts = []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                parts.append("".join(o.get("text", "")))
            elif o.get("output_type") == "error":
                parts.append("ERROR " + o.get("ename", "") + ": " + o.get("evalue", ""))
            else:
                data = o.get("data", {})
                parts.append("".join(data.get("text/plain", "")))
    return "\n".join(parts)


def test_every_notebook_is_committed_without_outputs():
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert {"replay_session.ipynb", "analyst_tour.ipynb"} <= {p.name for p in notebooks}
    for p in notebooks:
        nb = json.loads(p.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs"), f"{p.name} was committed with outputs"
                assert cell.get("execution_count") is None, f"{p.name} has execution counts"


def test_replay_notebook_is_thin_and_parameterised():
    nb = json.loads((NOTEBOOKS / "replay_session.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(code) <= 4
    params = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(params) == 1 and "session_path = None" in "".join(params[0]["source"])
    tour = json.loads((NOTEBOOKS / "analyst_tour.ipynb").read_text(encoding="utf-8"))
    assert sum(c["cell_type"] == "code" for c in tour["cells"]) <= 6


@pytest.mark.parametrize("sample", SAMPLES)
def test_replay_notebook_on_every_sample_file(sample, kernel_env):
    nb = run("replay_session.ipynb", kernel_env / "out.ipynb", session_path=sample)
    out = texts(nb)
    assert "ERROR" not in out and "Error:" not in out, out[-2000:]
    assert "Verdict: unsigned: the recount matches what the file records." in out
    assert "every recorded result matches the recount" in out
    assert "DIFFERS" not in out
    data = json.loads((ROOT / sample).read_text(encoding="utf-8"))
    if data["kind"].endswith("/session"):
        assert data["session"]["question"] in out
        for n in data["results"]["summaries"]:
            assert f"Round {n}: " + data["results"]["summaries"][n][:60] in out
    else:
        assert data["title"] in out
        assert "MATCH     dimension people, wave phase one" in out
        assert "Wave phase two:" in out and "People, organisations and resources: " in out


def test_replay_notebook_reports_a_tampered_file(kernel_env):
    data = json.loads((ROOT / "sample_data" / "county_joint_working.json").read_text())
    data["results"]["rounds"]["2"]["winners"] = ["A"]
    bad = kernel_env / "tampered.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    # from the notebooks folder, as Voilà runs it, with an absolute path
    out = texts(
        run("replay_session.ipynb", kernel_env / "out.ipynb", NOTEBOOKS, session_path=str(bad))
    )
    assert (
        "DIFFERENCES FOUND" in out
        and "DIFFERS   round 2" in out
        and "DIFFERS   results digest" in out
    )


def test_replay_notebook_reads_the_url_query(kernel_env, monkeypatch):
    # What Voilà does for /voila/render/replay_session.ipynb?session=review/ten_lessons_review.json
    monkeypatch.setenv("QUERY_STRING", "session=review/ten_lessons_review.json")
    out = texts(run("replay_session.ipynb", kernel_env / "out.ipynb", NOTEBOOKS))
    assert "County partnership health check 2024" in out
    assert "every recorded result matches" in out
    monkeypatch.setenv("QUERY_STRING", "session=../../etc/passwd")
    out = texts(run("replay_session.ipynb", kernel_env / "out2.ipynb", NOTEBOOKS))
    assert "There is no saved file '../../etc/passwd'" in out


def test_analyst_tour_runs(kernel_env):
    nb = run("analyst_tour.ipynb", kernel_env / "tour.ipynb", NOTEBOOKS)
    out = texts(nb)
    assert "ERROR" not in out
    assert "county_joint_working.json verifies" in out and "ten_lessons_review.json verifies" in out
    assert "Classic Borda scores:" in out
    # the rules table: MBC and first preferences disagree about round 1
    assert "first_preferences" in out and "dowdall" in out
    kinds = {
        key for cell in nb["cells"] for o in cell.get("outputs", []) for key in o.get("data", {})
    }
    assert "application/vnd.jupyter.widget-view+json" in kinds  # the custom chart
    assert "text/html" in kinds  # the tables
