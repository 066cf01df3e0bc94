"""Readings against their limits, and the problem text an out-of-limits reading pre-fills."""
from typing import Protocol


class Limited(Protocol):
    label: str
    unit: str | None
    min_value: float | None
    max_value: float | None


def out_of_limits(step: Limited, value: float | None) -> bool:
    if value is None:
        return False
    return (step.min_value is not None and value < step.min_value) or \
        (step.max_value is not None and value > step.max_value)


def problem_text(step: Limited, value: float | None) -> str | None:
    """A problem description pre-filled from an out-of-limits reading (stored data: the plant's log language)."""
    if value is None or not out_of_limits(step, value):
        return None
    low = '' if step.min_value is None else f'{step.min_value:g}'
    high = '' if step.max_value is None else f'{step.max_value:g}'
    return f'{step.label}: {value:g} {step.unit} (limits {low}–{high} {step.unit})'
