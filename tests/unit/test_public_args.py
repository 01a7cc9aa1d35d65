"""Reports record their command without the folders it wrote to."""

from __future__ import annotations

from tools.public_args import public_args


def test_folder_flags_and_their_values_are_left_out() -> None:
    assert public_args(["--reuse", "--out", "/x/y", "--courses", "5", "--data-dir=/z"]) == [
        "--reuse", "--courses", "5"]


def test_other_flags_pass_unchanged() -> None:
    assert public_args(["--outer", "1", "--duration=20"]) == ["--outer", "1", "--duration=20"]
