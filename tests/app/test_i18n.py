"""Translations and local formats: complete German catalogue, compiled and in step with the code; formats per
language; the language resolution rules (display, user, plant default; Accept-Language)."""
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app import i18n
from app.config import get_settings

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / 'app/locale/de/LC_MESSAGES/messages.po'
MO = PO.with_suffix('.mo')
PLACEHOLDER = re.compile(r'\{[a-z_0-9]*\}')


def _catalogue(path: Path = PO):  # type: ignore[no-untyped-def]
    with path.open('rb') as file:
        return read_po(file, locale='de')


def test_every_german_entry_is_translated_and_not_fuzzy() -> None:
    untranslated = [message.id for message in _catalogue() if message.id and (
        message.fuzzy or not message.string or any(not form for form in
                                                   (message.string if isinstance(message.string, tuple) else ())))]
    assert untranslated == []


def test_translations_keep_the_placeholders_of_their_text() -> None:
    for message in _catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) <= wanted, (message.id, string)
            assert set(PLACEHOLDER.findall(string)) >= set(PLACEHOLDER.findall(ids[0])) - {'{count}'}, message.id


def test_catalogue_holds_every_marked_text_of_the_code(tmp_path: Path) -> None:
    """A text marked in the code but missing from the catalogue fails here: run `make translations`."""
    pot = tmp_path / 'messages.pot'
    subprocess.run([sys.executable, '-m', 'babel.messages.frontend', 'extract', '-F', 'babel.cfg', '-k', '_',
                    '-k', 'N_', '-k', 'ngettext:1,2', '-o', str(pot), 'app', 'components', 'pages'],
                   cwd=ROOT, check=True, capture_output=True)
    extracted = {message.id for message in _catalogue(pot) if message.id}
    german = {message.id for message in _catalogue() if message.id}
    assert extracted - german == set(), 'texts not in the German catalogue: run `make translations`'


def test_compiled_catalogue_matches_the_po_file() -> None:
    with MO.open('rb') as file:
        compiled = {_key(message.id): _key(message.string) for message in read_mo(file) if message.id}
    source = {_key(message.id): _key(message.string) for message in _catalogue() if message.id}
    assert compiled == source, 'app/locale/de/LC_MESSAGES/messages.mo is stale: run `make translations`'


def _key(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


@pytest.mark.parametrize(('language', 'minutes', 'text'), [
    ('en', 83, '1 h 23 min'), ('en', 45, '45 min'), ('en', 3000, '2 d 2 h'), ('en', 0, '0 min'),
    ('de', 83, '1 Std. 23 Min.'), ('de', 45, '45 Min.'), ('de', 3000, '2 Tg. 2 Std.'),
])
def test_durations_per_language(language: str, minutes: float, text: str) -> None:
    with i18n.language(language):
        assert i18n.duration_text(minutes) == text


def test_dates_numbers_and_percentages_per_language() -> None:
    moment = datetime(2026, 11, 25, 13, 5, tzinfo=UTC)  # 14:05 in Berlin
    with i18n.language('en'):
        assert (i18n.date_time_text(moment), i18n.time_text(moment), i18n.percent_text(0.125),
                i18n.decimal_text(1234.5, digits=1)) == ('25 Nov 14:05', '14:05', '12.5 %', '1,234.5')
    with i18n.language('de'):
        assert (i18n.date_time_text(moment), i18n.time_text(moment), i18n.percent_text(0.125),
                i18n.decimal_text(1234.5, digits=1)) == ('25. Nov. 14:05', '14:05', '12,5 %', '1.234,5')


def test_german_words_and_plurals() -> None:
    with i18n.language('de'):
        assert i18n._('DOWN') == 'STÖRUNG'
        assert i18n.ngettext('{count} machine', '{count} machines', 1) == '{count} Maschine'
        assert i18n.ngettext('{count} machine', '{count} machines', 3) == '{count} Maschinen'
    with i18n.language('en'):
        assert i18n._('DOWN') == 'DOWN'


def test_pseudo_language_marks_texts_and_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_LANGUAGE', 'xx')
    get_settings.cache_clear()
    assert i18n._('DOWN') == '⟦DOWN⟧'
    assert i18n.duration_text(83) == '⟦1 h 23 min⟧'


def test_pseudo_language_is_refused_outside_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.config import Settings
    monkeypatch.setenv('CTP_ENV', 'development')
    with pytest.raises(ValueError, match='pseudo language'):
        Settings(language='xx')


@pytest.mark.parametrize(('header', 'expected'), [
    ('de-DE,de;q=0.9,en;q=0.8', 'de'), ('en-US,en;q=0.9,de;q=0.8', 'en'), ('fr-FR, de;q=0.5', 'de'),
    ('fr-FR, fr', None), ('', None), (None, None), ('en;q=0.1, de;q=0.9', 'de'), ('de;q=0, en', 'en'),
])
def test_accept_language_negotiation(header: str | None, expected: str | None) -> None:
    assert i18n.negotiate(header) == expected


def test_resolution_display_then_user_then_plant_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_LANGUAGE', 'de')
    get_settings.cache_clear()
    assert i18n.resolve(None, None) == 'de'  # plant default
    assert i18n.resolve(None, 'en') == 'en'  # the user's choice beats the plant default
    assert i18n.resolve('en', 'de') == 'en'  # the display's choice comes first
    assert i18n.resolve('fr') == 'de'  # a language the app does not speak: the plant default


@pytest.mark.parametrize(('language', 'typed'), [
    ('en', '03 Nov 2026'), ('en', '3 november 2026'), ('en', '2026-11-03'),
    ('de', '03.11.2026'), ('de', '3.11.2026'), ('de', '3. Nov. 2026'), ('de', '3. November 2026'),
])
def test_a_typed_date_is_read_as_the_screen_writes_it(language: str, typed: str) -> None:
    with i18n.language(language):
        assert i18n.parse_date_text(typed) == date(2026, 11, 3)
        assert i18n.parse_date_text(i18n.date_text(date(2026, 11, 3))) == date(2026, 11, 3)


@pytest.mark.parametrize('typed', ['31.02.2026', '3 Smarch 2026', 'tomorrow', '03.11.26'])
def test_a_date_that_is_not_one_is_refused(typed: str) -> None:
    with i18n.language('de'), pytest.raises(ValueError):
        i18n.parse_date_text(typed)
