"""Identity command validation as pure logic: password strength and self-service roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from write.identity.commands import RegisterUser, ResetPassword, check_password_strength


def register_command(*, email: str = "ada@example.com", password: str = "correct-horse-1",
                     name: str = "Ada Lovelace", **extra: Any) -> RegisterUser:
    return RegisterUser(email=email, password=password, name=name, **extra)


def errors_by_field(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {".".join(str(p) for p in e["loc"]): e["msg"] for e in exc.value.errors()}


@pytest.mark.parametrize("password", [
    "correct-horse-1", "abcdefg1", "1234567a", "пароль-2024", "Tr0ub4dor&3", "x1" * 64,
])
def test_a_password_with_a_letter_and_a_digit_of_8_or_more_characters_is_accepted(
        password: str) -> None:
    assert check_password_strength(password) == password


@pytest.mark.parametrize(("password", "reason"), [
    ("abc123", "at least 8 characters"),
    ("abcdefgh", "a letter and a digit"),
    ("12345678", "a letter and a digit"),
    ("________", "a letter and a digit"),
    ("1234_5678", "a letter and a digit"),
    ("password1", "too common"),
    ("PASSWORD123", "too common"),
    ("Qwerty123", "too common"),
])
def test_a_weak_password_is_refused_with_its_reason(password: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_password_strength(password)


@given(st.text(max_size=7))
def test_any_password_under_8_characters_is_refused(password: str) -> None:
    with pytest.raises(ValueError, match="at least 8 characters"):
        check_password_strength(password)


@given(st.text(alphabet=st.characters(categories=["L"]), min_size=8, max_size=64))
def test_any_password_of_letters_only_is_refused(password: str) -> None:
    with pytest.raises(ValueError, match="a letter and a digit"):
        check_password_strength(password)


@pytest.mark.parametrize("set_password", [
    pytest.param(lambda password: register_command(password=password), id="register"),
    pytest.param(lambda password: ResetPassword(token="t" * 43, password=password),
                 id="reset-password"),
])
def test_every_command_that_sets_a_password_applies_the_rules(
        set_password: Callable[[str], object]) -> None:
    with pytest.raises(ValidationError) as exc:
        set_password("password1")
    errors = errors_by_field(exc)
    assert list(errors) == ["password"]
    assert "too common" in errors["password"]


def test_registration_defaults_to_student() -> None:
    assert register_command().role == "student"


@pytest.mark.parametrize("role", ["student", "teacher"])
def test_a_student_or_teacher_may_register(role: str) -> None:
    assert register_command(role=role).role == role


def test_nobody_registers_as_admin() -> None:
    with pytest.raises(ValidationError) as exc:
        register_command(role="admin")
    errors = errors_by_field(exc)
    assert list(errors) == ["role"]
    assert "nobody registers as admin" in errors["role"]


@pytest.mark.parametrize("role", ["Admin", "ADMIN", "superuser", "Student", " teacher", ""])
def test_an_unknown_role_is_refused(role: str) -> None:
    with pytest.raises(ValidationError) as exc:
        register_command(role=role)
    assert errors_by_field(exc) == {"role": "Value error, role must be 'student' or 'teacher'"}
