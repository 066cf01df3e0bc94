"""Readings against their limits, and the problem text an out-of-limits reading pre-fills."""
from typing import Protocol

from app.i18n import _, decimal_text


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
    """A problem description pre-filled from an out-of-limits reading, in the current language (the technician's,
    who reports it as if typed): 'Developer conductivity: 95.5 mS/cm (limits 70–90 mS/cm)' /
    '…: 95,5 mS/cm (Grenzwerte 70–90 mS/cm)'."""
    if value is None or not out_of_limits(step, value):
        return None
    low = '' if step.min_value is None else _number(step.min_value)
    high = '' if step.max_value is None else _number(step.max_value)
    limits = _('limits {low}–{high} {unit}').format(low=low, high=high, unit=step.unit or '')
    return f'{step.label}: {_number(value)} {step.unit} ({limits})'


def _number(value: float) -> str:
    """As many decimals as the value has (95.5, 70), with the language's separators."""
    return decimal_text(value, digits=len(f'{value:g}'.partition('.')[2]))
