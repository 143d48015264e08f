"""Make the saved sample review: both waves of the ten-lessons health check in one review file,
with its scores recorded (``result``), their SHA-256 ``digest`` and the kit version, and the action
plan the partnership agreed after phase two.

The story (see ``make_sample.py``): after the away-day, understanding of one another and the
conversations between meetings improved, but people, organisations and resources stayed a concern
and power is still seen very differently from the top and the bottom of the vertical slice. The
action plan answers the two concerns, the widest gaps and the "don't know" answers on autonomy.

Run ``python sample_data/review/make_saved_review.py`` to rewrite ``ten_lessons_review.json``
after a change to the scoring (``partnership-tools replay`` on the old file then says what
changed). Nothing is random, so the file comes out the same every time.
"""

from __future__ import annotations

from pathlib import Path

from partnership_tools.review import (
    ActionItem,
    ActionPlan,
    Responses,
    Review,
    ReviewSettings,
    load_instrument,
    read_responses,
    write_review,
)

HERE = Path(__file__).resolve().parent
OUTPUT = "ten_lessons_review.json"

ACTIONS = (
    ActionItem(
        "people",
        "Each partner names the staff time it gives to partnership work and agrees to protect it"
        " for the next twelve months.",
        owner="Chief officers' group",
        due="2024-09-30",
        status="in progress",
    ),
    ActionItem(
        "people",
        "Bid for a pooled fund for the action plan, so it no longer depends on one-year grants.",
        owner="Finance leads (council and health board)",
        due="2024-12-31",
    ),
    ActionItem(
        "power",
        "Rotate the chair, and give community members two standing agenda items at every"
        " partnership board.",
        owner="Partnership chair",
        due="2024-07-31",
        status="in progress",
    ),
    ActionItem(
        "power",
        "Hold a workshop with front-line workers and residents on how decisions are taken and"
        " where they are undone.",
        owner="Voluntary sector forum",
        due="2024-10-15",
    ),
    ActionItem(
        "leadership",
        "Talk through the gap between policy makers and residents on leadership at the next"
        " away-day, before agreeing any change.",
        owner="Partnership manager",
        due="2024-11-30",
    ),
    ActionItem(
        "autonomy",
        "Publish a one-page note after each meeting saying what each representative agreed on"
        " behalf of their organisation.",
        owner="Partnership support officer",
        due="2024-06-30",
        status="done",
    ),
    ActionItem(
        "understanding",
        "Keep the monthly partner updates going; they lifted understanding between phase one and"
        " phase two.",
        owner="Communications group",
        status="in progress",
    ),
)


def make_review() -> Review:
    """The sample review, scored and recorded."""
    inst = load_instrument("ten_lessons")
    parts = [read_responses(HERE / f"ten_lessons_wave{i}.csv", inst).responses for i in (1, 2)]
    review = Review(
        id="county-health-check-2024",
        title="County partnership health check 2024",
        instrument=inst,
        responses=Responses.combine(parts),
        settings=ReviewSettings(by="level", before="phase one", after="phase two"),
        action_plan=ActionPlan(ACTIONS),
        created_at="2024-05-20T14:00:00Z",
        notes=(
            "Phase one in March 2024, the away-day in April, phase two in May. The action plan was"
            " agreed at the partnership board on 20 May 2024."
        ),
    )
    review.action_plan.check(inst)
    return review.with_result()


def write_all(directory: Path = HERE) -> Path:
    """Write the saved review into ``directory`` and return its path."""
    # unsigned: no one partnership's key vouches for a sample
    return write_review(make_review(), Path(directory) / OUTPUT, sign=False)


def main() -> None:
    print(f"Wrote {write_all(HERE)}.")


if __name__ == "__main__":
    main()
