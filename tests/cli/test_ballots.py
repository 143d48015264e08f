"""``partnership-tools ballots``: a round's ballots written for other voting tools, read back."""

from __future__ import annotations

from collections import Counter

import pytest

from partnership_tools.cli.main import main
from partnership_tools.kernel.resources import sample_dir
from partnership_tools.vote.reading import read_ballots
from partnership_tools.vote.sessionfile import read_session

SAMPLE = sample_dir() / "county_joint_working.json"


@pytest.mark.parametrize("suffix", [".csv", ".soi", ".blt"])
def test_a_sessions_round_is_written_and_reads_back(tmp_path, capsys, suffix):
    session = read_session(SAMPLE)
    rnd = session.round(1)
    out = tmp_path / f"round1{suffix}"
    assert main(["ballots", str(SAMPLE), "--round", "1", "-o", str(out)]) == 0
    assert f"Wrote {len(rnd.rankings)} ballots of round 1" in capsys.readouterr().out
    if suffix == ".csv":
        # the labels travel in an options file beside the long CSV, and read back with it
        beside = tmp_path / "round1-options.csv"
        with_labels = read_ballots(out, options_file=beside)
        assert [(o.id, o.label) for o in with_labels.options] == [
            (o.id, o.label) for o in session.round_options(1)
        ]
        back = read_ballots(out, options=list(session.round_options(1)))
        assert back.rankings == [tuple(r) for r in rnd.rankings]
        assert back.groups == list(rnd.groups)
    else:
        back = read_ballots(out)
        label = {o.id: o.label for o in session.round_options(1)}
        got = {o.id: o.label for o in back.options}
        assert Counter(tuple(got[x] for x in r) for r in back.rankings) == Counter(
            tuple(label[x] for x in r) for r in rnd.rankings
        )


def test_a_ballot_file_is_converted(tmp_path, capsys):
    src = tmp_path / "wide.csv"
    src.write_text("Group,Joint committee,Pooled budget\nCouncil,1,2\nHealth,2,1\nHealth,,1\n")
    out = tmp_path / "wide.soi"
    assert main(["ballots", str(src), "-o", str(out)]) == 0
    text = out.read_text()
    # two of three voters put the pooled budget first; one ranked it alone
    back = read_ballots(out)
    label = {o.id: o.label for o in back.options}
    assert Counter(tuple(label[x] for x in r) for r in back.rankings) == Counter(
        {
            ("Joint committee", "Pooled budget"): 1,
            ("Pooled budget", "Joint committee"): 1,
            ("Pooled budget",): 1,
        }
    )
    assert "Joint committee" in text


def test_unknown_format_and_round_are_one_sentence(tmp_path, capsys):
    assert main(["ballots", str(SAMPLE), "-o", str(tmp_path / "x.docx")]) == 2
    err = capsys.readouterr().err
    assert "does not name a ballot format" in err and "Traceback" not in err
    assert main(["ballots", str(SAMPLE), "--round", "9", "-o", str(tmp_path / "x.csv")]) == 2
    assert "has no round 9" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
