"""Translations and local formats: the language of the current screen, gettext catalogues, Babel formats.

The language is a context variable: a page sets it while it builds (components/language.py) and every live update
of that page sets it again from the page's own client before it renders, because a background task sees the
context of whoever created it (e.g. the request that saved a change), not the page's. Outside any page (API,
jobs) the plant default applies.

Catalogues live in app/locale/<lang>/LC_MESSAGES/messages.po|mo (`make translations`). English is the source
language: its msgids are the English texts. The pseudo language 'xx' (tests only, CTP_ENV=test) wraps every
translated text and every formatted value in ⟦…⟧, so a test can see text that bypassed translation.
"""
import gettext
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal, format_percent
from babel.support import Translations
from babel.units import format_unit

from app.config import LANGUAGES, PSEUDO_LANGUAGE, get_settings

__all__ = ['PSEUDO_LANGUAGE', 'LANGUAGES']

LOCALE_DIR = Path(__file__).parent / 'locale'
DOMAIN = 'messages'
OPEN, CLOSE = '⟦', '⟧'
LANGUAGE_NAMES = {'en': 'English', 'de': 'Deutsch'}  # each in its own language, as language pickers show them
_current: ContextVar[str | None] = ContextVar('ctp_language', default=None)
# Date and time patterns per language (CLDR skeletons differ in punctuation; these are the plant's house style)
_DATE_TIME = {'en': 'dd MMM HH:mm', 'de': 'dd. MMM HH:mm'}
_DATE = {'en': 'dd MMM yyyy', 'de': 'dd.MM.yyyy'}
_DAY_MONTH = {'en': 'dd MMM', 'de': 'dd. MMM'}
_PERCENT = '#,##0.0 %'
# English keeps the house units of CTP Log ('1 h 23 min', '2 d 3 h'); other languages take CLDR's short units
# from Babel ('1 Std. 23 Min.', '2 Tg. 3 Std.').
_HOUSE_UNITS = {'en': {'duration-day': '{0} d', 'duration-hour': '{0} h', 'duration-minute': '{0} min'}}
_QUALITY = re.compile(r'^\s*q\s*=\s*([0-9.]+)\s*$')


def current_language() -> str:
    """The language of the screen being rendered (the plant default outside any screen)."""
    return _current.get() or get_settings().language


def use_language(language: str) -> Token[str | None]:
    """Set the current language (in the current context only); returns the token to reset it."""
    return _current.set(language if is_known(language) else get_settings().language)


@contextmanager
def language(code: str) -> Iterator[None]:
    """Render in `code` inside the block."""
    token = use_language(code)
    try:
        yield
    finally:
        _current.reset(token)


def is_known(code: str | None) -> bool:
    """A language the app speaks (the pseudo language only in test settings)."""
    if code in LANGUAGES:
        return True
    return code == PSEUDO_LANGUAGE and get_settings().env == 'test'


def resolve(*choices: str | None) -> str:
    """The first known choice (display's, then user's), else the plant default (CTP_LANGUAGE)."""
    return next((choice for choice in choices if choice and is_known(choice)), get_settings().language)


def negotiate(accept_language: str | None) -> str | None:
    """The browser's best language we speak (Accept-Language, by quality), or None."""
    preferred: list[tuple[float, str]] = []
    for position, part in enumerate((accept_language or '').split(',')):
        tag, _, parameters = part.partition(';')
        match = _QUALITY.match(parameters) if parameters else None
        quality = float(match.group(1)) if match else (1.0 if not parameters else 0.0)
        if tag.strip() and quality > 0:
            preferred.append((-quality + position * 1e-6, tag.strip()))
    return negotiate_locale([tag for _, tag in sorted(preferred)], list(LANGUAGES), sep='-')


def _(message: str) -> str:
    """`message` in the current language."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count` in the current language (Babel's plural rules)."""
    return translations(current_language()).ngettext(singular, plural, count)


def render(template: str, params: dict[str, object] | None = None) -> str:
    """A marked text with its `{placeholders}` filled, in the current language (the English text when the
    translation does not fit its parameters)."""
    text = _(template)
    if not params:
        return text
    for candidate in (text, template):
        try:
            return candidate.format(**params)
        except (KeyError, IndexError, ValueError):
            continue
    return template


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark for extraction, translate later"
    """Marks a module-level constant for the catalogue; translate it with `_()` where it is shown."""
    return message


@lru_cache
def translations(code: str) -> gettext.NullTranslations:
    """The compiled catalogue of a language (English: the msgids themselves)."""
    if code == PSEUDO_LANGUAGE:
        return PseudoTranslations()
    if code == 'en':
        return gettext.NullTranslations()
    return Translations.load(str(LOCALE_DIR), [code], DOMAIN)


class PseudoTranslations(gettext.NullTranslations):
    """Every text wrapped in ⟦…⟧: what is on screen without the markers bypassed translation."""

    def gettext(self, message: str) -> str:
        return f'{OPEN}{message}{CLOSE}'

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return f'{OPEN}{msgid1 if n == 1 else msgid2}{CLOSE}'


def _locale() -> tuple[str, bool]:
    """Babel's locale code for the current language, and whether values are to be marked (pseudo language)."""
    code = current_language()
    return ('en', True) if code == PSEUDO_LANGUAGE else (code, False)


def _marked(text: str, pseudo: bool) -> str:
    return f'{OPEN}{text}{CLOSE}' if pseudo else text


def decimal_text(value: float, *, digits: int = 0) -> str:
    """1,234.5 / 1.234,5."""
    code, pseudo = _locale()
    pattern = '#,##0' + ('.' + '0' * digits if digits else '')
    return _marked(format_decimal(value, pattern, locale=code), pseudo)


def percent_text(share: float) -> str:
    """0.125 -> '12.5 %' / '12,5 %'."""
    code, pseudo = _locale()
    return _marked(format_percent(share, _PERCENT, locale=code), pseudo)


def duration_text(minutes: float) -> str:
    """'1 h 12 min', '45 min', '2 d 3 h' / '1 Std. 12 Min.', '45 Min.', '2 Tg. 3 Std.'."""
    code, pseudo = _locale()
    total = int(round(minutes))
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    parts = ([(days, 'duration-day'), (hours, 'duration-hour')] if days
             else [(hours, 'duration-hour'), (mins, 'duration-minute')] if hours else [(mins, 'duration-minute')])
    return _marked(' '.join(_unit(value, unit, code) for value, unit in parts), pseudo)


def duration_units(code: str | None = None) -> dict[str, str]:
    """The unit patterns ('{0} h') of a language, for a browser that counts durations up itself."""
    code = code or _locale()[0]
    return {unit.removeprefix('duration-'): _unit_pattern(unit, code)
            for unit in ('duration-day', 'duration-hour', 'duration-minute')}


@lru_cache(maxsize=4096)  # every card and recent row says its durations again on each change and tick
def _unit(value: int, unit: str, code: str) -> str:
    return _unit_pattern(unit, code).replace('{0}', format_decimal(value, '#,##0', locale=code))


def _unit_pattern(unit: str, code: str) -> str:
    house = _HOUSE_UNITS.get(code, {}).get(unit)
    if house is not None:
        return house
    return format_unit(1234567, unit, length='short', locale=code).replace(format_decimal(1234567, locale=code),
                                                                            '{0}')


def date_time_text(moment: datetime) -> str:
    """A plant-local moment with its day: '25 Nov 14:05' / '25. Nov. 14:05'."""
    code, pseudo = _locale()
    local = moment.astimezone(get_settings().zone)
    return _marked(format_datetime(local, _DATE_TIME.get(code, _DATE_TIME['en']), locale=code), pseudo)


def time_text(moment: datetime, *, seconds: bool = False) -> str:
    """A plant-local clock time: '14:05' (or '14:05:09'), 24 h in both languages."""
    code, pseudo = _locale()
    local = moment.astimezone(get_settings().zone)
    return _marked(format_time(local, 'HH:mm:ss' if seconds else 'HH:mm', locale=code), pseudo)


def date_text(day: date) -> str:
    """A calendar day: '03 May 2026' / '03.05.2026'."""
    code, pseudo = _locale()
    return _marked(format_date(day, _DATE.get(code, _DATE['en']), locale=code), pseudo)


def parse_date_text(text: str) -> date:
    """A day typed as `date_text` writes it in the current language ('03 Nov 2026' / '03.11.2026'; the month as a
    number, short or long name, any case), or as ISO 2026-11-03; ValueError when it is none of these."""
    code, _pseudo = _locale()
    cleaned = text.replace(OPEN, ' ').replace(CLOSE, ' ').strip().lower()
    iso = re.fullmatch(r'(\d{4})-(\d{1,2})-(\d{1,2})', cleaned)
    if iso:
        return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    parts = [part for part in re.split(r'[\s.,/-]+', cleaned) if part]
    if len(parts) != 3 or not parts[0].isdigit() or not parts[2].isdigit() or len(parts[2]) != 4:
        raise ValueError(text)
    month = int(parts[1]) if parts[1].isdigit() else _month_numbers(code).get(parts[1])
    if month is None:
        raise ValueError(text)
    return date(int(parts[2]), month, int(parts[0]))  # ValueError for 31.02.2026


@lru_cache
def _month_numbers(code: str) -> dict[str, int]:
    """Month names of a language (wide and abbreviated, with and without their dot), lower case, to numbers."""
    names: dict[str, int] = {}
    babel_locale = Locale.parse(code)
    for width in ('wide', 'abbreviated'):
        for context in ('format', 'stand-alone'):
            for number, name in babel_locale.months[context][width].items():
                names[name.lower().rstrip('.')] = number
    return names


def day_month_text(day: date) -> str:
    """A day without its year, as chart axes and short lists show it: '03 Nov' / '03. Nov.'."""
    code, pseudo = _locale()
    return _marked(format_date(day, _DAY_MONTH.get(code, _DAY_MONTH['en']), locale=code), pseudo)


def month_text(day: date) -> str:
    """The month of a day with its year: 'November 2026' / 'November 2026'."""
    code, pseudo = _locale()
    return _marked(format_date(day, 'LLLL yyyy', locale=code), pseudo)


def csv_separators() -> tuple[str, str]:
    """(field separator, decimal mark) of a CSV file in the current language: (';', ',') where the decimal mark
    is a comma (German), else (',', '.')."""
    code, _pseudo = _locale()
    decimal = Locale.parse(code).number_symbols.get('latn', {}).get('decimal', '.')
    return (';', ',') if decimal == ',' else (',', '.')


def locale_tag() -> str:
    """The current language as a BCP 47 tag for the browser (lang attribute, Intl formats)."""
    return str(Locale.parse(_locale()[0])).replace('_', '-')
