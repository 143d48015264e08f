"""The ``replay`` command: recount a saved vote or review, check its signature, and say exactly
what was checked: "signed by <who> and the recount matches", "unsigned: the recount matches what
the file records", or "differs" with the reason.

Exit status: 0 when the recount matches (signed, by a known or an unknown key, or unsigned),
1 when anything differs (the recount, or a signature that does not verify; a file of a version
that always records its results, holding none, differs: they were removed), 3 when an old file
records nothing to compare with, 2 when the file cannot be used.
"""

from __future__ import annotations

import argparse
import dataclasses
import json

from partnership_tools.cli.errors import CliError
from partnership_tools.kernel.checks import Check, Verdict
from partnership_tools.kernel.savedfile import Replay
from partnership_tools.reports.replay import ReplayError, replay_file

#: The first schema_version of each kind of file that always records its results.
RECORDING_VERSIONS = {"session": 2, "review": 2}


def removed_record(result: Replay) -> Replay:
    """``result``, or when it records nothing although its file's version always records its
    results, the same replay with a failing "recorded results" check (the record was removed).

    >>> r = Replay("r.json", "review", "T", Verdict((), recorded=False))
    >>> removed_record(r).verdict.ok, removed_record(r).verdict.recorded
    (False, True)
    >>> old = dataclasses.replace(r, migrated_from=1)
    >>> removed_record(old).verdict.recorded
    False
    """
    if result.verdict.recorded:
        return result
    if result.migrated_from is not None:
        version = result.migrated_from
    else:
        version = _current_version(result.kind)
    if version < RECORDING_VERSIONS.get(result.kind, 1):
        return result
    check = Check(
        "recorded results",
        False,
        f"a schema_version {version} file always records its results and digest, but this one"
        " holds none: they have been removed",
    )
    return dataclasses.replace(result, verdict=Verdict((check, *result.verdict.checks)))


def _current_version(kind: str) -> int:
    if kind == "review":
        from partnership_tools.review.reviewfile import REVIEW_SCHEMA_VERSION

        return REVIEW_SCHEMA_VERSION
    from partnership_tools.vote.sessionfile import SCHEMA_VERSION

    return SCHEMA_VERSION


def add_replay_parser(sub: argparse._SubParsersAction) -> None:
    """The ``replay`` command, and ``key`` (the signing key replay checks files against)."""
    p = sub.add_parser("replay", help="recount a saved vote or review and check its record")
    p.add_argument("file", metavar="FILE", help="a session or review .json file")
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    p.set_defaults(func=run_replay)
    k = sub.add_parser(
        "key", help="show the partnership's signing key (made on first use) and its public key"
    )
    k.add_argument("--name", help="the signer's name saved files carry (the partnership)")
    k.set_defaults(func=run_key)


def run_key(args: argparse.Namespace) -> int:
    """Make the partnership's key if there is none, optionally set the signer's name, and print
    the key id, the folders and the public key line (never the private key)."""
    from partnership_tools.kernel.signing import (
        NAME_FILE,
        SigningKeyError,
        key_dir,
        load_or_create_key,
        trusted_dir,
    )

    folder = key_dir()
    try:
        if args.name is not None:
            name = " ".join(args.name.split())
            if not name or len(name) > 200:
                raise CliError("--name needs a name of 1 to 200 characters.")
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            (folder / NAME_FILE).write_text(name + "\n", encoding="utf-8")
        key = load_or_create_key(folder)
    except SigningKeyError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"The key folder {folder} cannot be written ({exc.strerror}).") from None
    print(f"Key id: {key.key_id}")
    print(f"Signer: {key.signer or '(no name; set one with --name)'}")
    print(f"Private key: {key.path} (keep it private; never copied into a saved file)")
    print(
        f"Public key: {folder / 'partnership.pub'} (give it to others to put in their trusted folder)"
    )
    print(f"Trusted keys: {trusted_dir()}")
    print(key.public_line(), end="")
    return 0


def run_replay(args: argparse.Namespace) -> int:
    try:
        result = removed_record(replay_file(args.file))
    except ReplayError as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print("\n".join(result.report_lines()))
    return result.exit_code
