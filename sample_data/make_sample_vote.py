"""Regenerate the sample Crowd Wise session (``python sample_data/make_sample_vote.py``).

A fictional county partnership (a county council, four district councils, health, police and the
voluntary sector) decides how far to take joint working. Thirty people from the four levels of the
vertical slice vote in round one; between rounds the shared-management and joint-committee options
are merged; round two follows. Preferences come from a seeded random model, so the file is the same
every time.
"""

from __future__ import annotations

import random
from pathlib import Path

from partnership_tools.vote.ballots_csv import write_ballots_csv
from partnership_tools.vote.model import Ballot, Option, Round, Session
from partnership_tools.vote.sessionfile import write_session

HERE = Path(__file__).resolve().parent
SEED = 20260312

GROUPS = ("Policy makers", "Managers", "Front-line workers", "Citizens and community activists")
SIZES = {GROUPS[0]: 7, GROUPS[1]: 8, GROUPS[2]: 8, GROUPS[3]: 7}

OPTIONS = (
    Option(
        "A",
        "Stay separate, share know-how",
        "Each council keeps its own services and staff; officers meet quarterly to share data and good practice.",
        "District councils' leaders",
    ),
    Option(
        "B",
        "Shared back-office services",
        "One shared service for HR, payroll, IT and procurement; front-line services stay local.",
        "Finance directors",
    ),
    Option(
        "C",
        "One senior management team",
        "A single chief executive and senior team serve the county and the districts.",
        "County council",
    ),
    Option(
        "D",
        "Joint committee with pooled budgets",
        "A joint committee of all partners commissions early help, community safety and public health from a pooled budget.",
        "Health and police partners",
    ),
    Option(
        "E",
        "Merge into one unitary council",
        "Replace the county and districts with a single unitary authority.",
        "Opposition group",
    ),
    Option(
        "F",
        "Shared senior team answering to a joint committee",
        "One senior team, accountable to a joint committee of all partners that pools budgets for early help, community safety and public health; each council keeps its own elected members.",
        "Workshop merger of C and D",
        merged_from=("C", "D"),
    ),
)

# How much each group likes each option (higher = ranked earlier), before noise.
TASTE_R1 = {
    GROUPS[0]: {"A": 2.0, "B": 3.0, "C": 2.6, "D": 2.4, "E": 1.2},
    GROUPS[1]: {"A": 1.0, "B": 3.2, "C": 3.0, "D": 2.6, "E": 1.8},
    GROUPS[2]: {"A": 2.4, "B": 1.6, "C": 1.4, "D": 3.0, "E": 0.8},
    GROUPS[3]: {"A": 2.8, "B": 1.4, "C": 1.0, "D": 3.0, "E": 1.6},
}
TASTE_R2 = {
    GROUPS[0]: {"A": 1.8, "B": 2.8, "F": 3.1, "E": 1.0},
    GROUPS[1]: {"A": 0.9, "B": 3.0, "F": 3.4, "E": 1.6},
    GROUPS[2]: {"A": 2.2, "B": 1.5, "F": 3.0, "E": 0.7},
    GROUPS[3]: {"A": 2.6, "B": 1.3, "F": 2.9, "E": 1.5},
}


def make_round(rng: random.Random, number: int, taste: dict, start_minute: int) -> Round:
    ballots = []
    minute = start_minute
    voter = 0
    for group in GROUPS:
        for _ in range(SIZES[group]):
            scores = {o: t + rng.gauss(0, 0.9) for o, t in taste[group].items()}
            ranking = sorted(scores, key=lambda o: -scores[o])
            # About one voter in five ranks only their top two or three options.
            if rng.random() < 0.2:
                ranking = ranking[: rng.choice((2, 3))]
            voter += 1
            minute += rng.choice((0, 1))
            second = (voter * 17) % 60
            ballots.append(
                Ballot(
                    ranking=tuple(ranking),
                    group=group,
                    submitted_at=f"2026-03-12T{10 + number}:{minute:02d}:{second:02d}Z",
                    shown_order=tuple(rng.sample(sorted(taste[group]), len(taste[group]))),
                    source="paper" if voter % 6 == 0 else "web",
                )
            )
    rng.shuffle(ballots)
    ballots.sort(key=lambda b: b.submitted_at)
    return Round(
        number=number,
        option_ids=tuple(taste[GROUPS[0]]),
        status="closed",
        ballots=tuple(ballots),
        opened_at=f"2026-03-12T{10 + number}:00:00Z",
        closed_at=f"2026-03-12T{10 + number}:{minute + 2:02d}:00Z",
    )


def build() -> Session:
    rng = random.Random(SEED)
    r1 = make_round(rng, 1, TASTE_R1, 2)
    r2 = make_round(rng, 2, TASTE_R2, 5)
    return Session(
        id="county-joint-working",
        question="How far should the county partnership take joint working over the next five years?",
        threshold=0.7,
        options=OPTIONS,
        rounds=(r1, r2),
        groups=GROUPS,
        created_at="2026-03-12T09:30:00Z",
        results_published=True,
        settings={"venue": "Shire Hall workshop", "facilitator": "Partnership development officer"},
    )


def main() -> None:
    session = build()
    write_session(session, HERE / "county_joint_working.json", sign=False)  # samples stay unsigned
    r1 = session.rounds[0]
    write_ballots_csv(
        HERE / "county_joint_working_round1.csv", r1.option_ids, r1.rankings, r1.groups
    )
    print("wrote", HERE / "county_joint_working.json")


if __name__ == "__main__":
    main()
