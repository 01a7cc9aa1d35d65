"""A rate as configuration spells it: `count/seconds` ("30/60" = 30 requests a minute, in a burst
or spread out)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer


@dataclass(frozen=True)
class Rate:
    """`count` requests per `seconds`; a full budget may be spent at once (the burst)."""

    count: int
    seconds: float

    def __post_init__(self) -> None:
        if self.count < 1 or self.seconds <= 0:
            raise ValueError("a rate needs count >= 1 and seconds > 0")

    @property
    def interval(self) -> float:
        """Seconds between two requests at the sustained rate."""
        return self.seconds / self.count

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds:g}"


def parse_rate(value: Any) -> Rate:
    """`"30/60"` → Rate(30, 60.0); a Rate passes through."""
    if isinstance(value, Rate):
        return value
    if not isinstance(value, str) or value.count("/") != 1:
        raise ValueError("a rate is written count/seconds, e.g. 30/60")
    count, seconds = value.split("/")
    try:
        return Rate(int(count), float(seconds))
    except ValueError as exc:
        raise ValueError(f"a rate is written count/seconds, e.g. 30/60 ({exc})") from exc


# The settings field type: read from "count/seconds", shown back the same way.
RateSetting = Annotated[Rate, BeforeValidator(parse_rate), PlainSerializer(str, return_type=str)]
