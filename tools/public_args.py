"""The command line a report records, without the folders (no machine paths in committed reports)."""

from __future__ import annotations

FOLDER_FLAGS = ("--out", "--data-dir")


def public_args(argv: list[str]) -> list[str]:
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in FOLDER_FLAGS:
            skip = True
        elif not arg.startswith(tuple(f"{flag}=" for flag in FOLDER_FLAGS)):
            kept.append(arg)
    return kept
