"""Make the sample responses for the ten-lessons health check: two waves of about 40 respondents.

The story: a local partnership reviews itself (phase one), holds an away-day on how partners talk to
one another, and reviews itself again (phase two). Understanding of one another and communication
between meetings improve; trust follows a little; resources stay a concern. Front-line workers and
citizens or community activists are more critical than policy makers throughout, most of all on
power and leadership: the partnership's fault line.

Phase one is written the way an online form exports it (questions as column headers, answers as
labels); phase two uses item ids and numbers (8 = don't know, 9 = not applicable). Both have a few
blanks, "don't know" answers and free-text comments.

Run ``python sample_data/review/make_sample.py`` to rewrite the two CSV files; the seed is fixed,
so the files come out the same every time.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from partnership_tools.review.instrument import load_instrument

SEED = 20240517
HERE = Path(__file__).resolve().parent

LEVELS = ("Policy maker", "Manager", "Front-line worker", "Citizen or community activist")
#: respondents per level in each wave
SIZES = {
    "phase one": {
        "Policy maker": 6,
        "Manager": 10,
        "Front-line worker": 13,
        "Citizen or community activist": 11,
    },
    "phase two": {
        "Policy maker": 5,
        "Manager": 11,
        "Front-line worker": 14,
        "Citizen or community activist": 9,
    },
}
PARTNER_TYPES = {
    "Policy maker": ("Local statutory body", "Local statutory body", "Central government"),
    "Manager": ("Local statutory body", "Voluntary or community organisation"),
    "Front-line worker": (
        "Local statutory body",
        "Voluntary or community organisation",
        "Private sector",
    ),
    "Citizen or community activist": (
        "Service user or resident",
        "Voluntary or community organisation",
    ),
}
#: favourable mean per dimension in phase one (before the level offsets)
BASE = {
    "understanding": 2.9,
    "people": 2.5,
    "skills": 3.4,
    "purposes": 3.6,
    "trust": 3.1,
    "risk_credit": 3.0,
    "public_private": 2.7,
    "autonomy": 3.2,
    "power": 2.9,
    "leadership": 3.5,
}
#: what changed by phase two (the away-day)
CHANGE = {
    "understanding": 0.8,
    "public_private": 0.9,
    "trust": 0.4,
    "skills": 0.2,
    "power": 0.2,
    "people": -0.1,
}
OFFSET = {
    "Policy maker": 0.6,
    "Manager": 0.2,
    "Front-line worker": -0.3,
    "Citizen or community activist": -0.5,
}
#: the fault line: extra distance between the top and the bottom of the vertical slice
FAULT = {"power": 0.5, "leadership": 0.4, "risk_credit": 0.3}
#: chance of "don't know" by level (citizens see less of the inner workings)
DONT_KNOW = {
    "Policy maker": 0.02,
    "Manager": 0.03,
    "Front-line worker": 0.05,
    "Citizen or community activist": 0.10,
}
DK_PRONE = {"risk_credit", "autonomy", "people"}

COMMENTS = {
    "phase one": [
        "Meetings are full of reports; there is little time to talk.",
        "We only hear about decisions after they are made.",
        "The new chair is trying hard to bring people in.",
        "Funding is short-term and nobody knows what happens next year.",
        "Community members feel like guests rather than partners.",
        "Good will, but the same few organisations set the agenda.",
    ],
    "phase two": [
        "The away-day helped: I now know who to call in the council.",
        "Monthly updates between meetings make a real difference.",
        "Still no money behind the action plan.",
        "Staff time for partnership work is the first thing cut.",
        "Residents are listened to more, but decisions are still taken elsewhere.",
        "Better conversations; now we need to follow through.",
    ],
}


def answers_for(rng: np.random.Generator, wave: str, level: str, inst) -> dict[str, int | None]:
    person = rng.normal(0, 0.35)
    out: dict[str, int | None] = {}
    for dim in inst.dimensions:
        mean = BASE[dim.id] + (CHANGE.get(dim.id, 0.0) if wave == "phase two" else 0.0)
        mean += OFFSET[level] * (1 + FAULT.get(dim.id, 0.0))
        for item in dim.items:
            roll = rng.random()
            dk = DONT_KNOW[level] * (2.5 if dim.id in DK_PRONE else 1)
            if roll < 0.02:
                out[item.id] = None  # left blank
                continue
            if roll < 0.02 + dk:
                out[item.id] = 8
                continue
            if (
                roll < 0.03 + dk
                and level == "Citizen or community activist"
                and dim.id == "autonomy"
            ):
                out[item.id] = 9
                continue
            favourable = int(np.clip(np.rint(mean + person + rng.normal(0, 0.8)), 1, 5))
            out[item.id] = 6 - favourable if item.reverse else favourable
    return out


def make_wave(rng: np.random.Generator, wave: str, inst) -> list[dict]:
    rows = []
    for level in LEVELS:
        for _ in range(SIZES[wave][level]):
            rows.append(
                {
                    "level": level,
                    "partner_type": str(rng.choice(PARTNER_TYPES[level])),
                    "answers": answers_for(rng, wave, level, inst),
                }
            )
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    comments = COMMENTS[wave]
    for i, text in zip(
        rng.choice(len(rows), size=len(comments), replace=False), comments, strict=True
    ):
        rows[int(i)]["comments"] = text
    return rows


def write_phase_one(rows: list[dict], inst, path: Path) -> None:
    """Written like an online form's export: question wording as headers, labels as answers."""
    start = datetime(2024, 3, 4, 9, 12)
    scale = inst.scale
    headers = ["Timestamp", "Wave", inst.field("level").label, inst.field("partner_type").label]
    headers += [f"How far do you agree? [{item.text}]" for item in inst.items]
    headers += ["Any other comments?"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        for i, r in enumerate(rows):
            stamp = (start + timedelta(hours=7 * i, minutes=13 * i)).strftime("%d/%m/%Y %H:%M:%S")
            cells = [stamp, "phase one", r["level"], r["partner_type"]]
            cells += [
                "" if r["answers"][item.id] is None else scale.label_for(r["answers"][item.id])
                for item in inst.items
            ]
            cells.append(r.get("comments", ""))
            w.writerow(cells)


def write_phase_two(rows: list[dict], inst, path: Path) -> None:
    """Item ids as headers and numbers as answers (8 = don't know, 9 = not applicable)."""
    headers = ["respondent_id", "wave", "level", "partner_type", *inst.item_ids, "comments"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        for i, r in enumerate(rows):
            cells = [f"P2-{i + 1:03d}", "phase two", r["level"], r["partner_type"]]
            cells += [
                "" if r["answers"][iid] is None else str(r["answers"][iid]) for iid in inst.item_ids
            ]
            cells.append(r.get("comments", ""))
            w.writerow(cells)


def write_all(directory: Path = HERE) -> tuple[Path, Path]:
    """Write both waves into ``directory``; returns the two paths."""
    inst = load_instrument("ten_lessons")
    rng = np.random.default_rng(SEED)
    one = make_wave(rng, "phase one", inst)
    two = make_wave(rng, "phase two", inst)
    paths = (Path(directory) / "ten_lessons_wave1.csv", Path(directory) / "ten_lessons_wave2.csv")
    write_phase_one(one, inst, paths[0])
    write_phase_two(two, inst, paths[1])
    return paths


def main() -> None:
    write_all(HERE)


if __name__ == "__main__":
    main()
