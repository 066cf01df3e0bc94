"""The screens the browser tests walk on the demo plant, signing in to them, and the words they show in each
language the plant speaks."""
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from app import i18n
from app.services.taxonomy_names import GERMAN
from tests.browser.server import ADMIN_PASSWORD

T = TypeVar('T')
# name -> path on the demo plant (machine 1 and problem 1 exist there); screens for everyone signed in
PAGES = {'overview': '/', 'machine-detail': '/machines/1', 'report-form': '/machines/1/report',
         'problem-detail': '/problem-logs/1', 'notifications': '/notifications', 'problems': '/problems',
         'maintenance': '/maintenance'}
PROFILE_PAGES = {'profile': '/profile'}
MANAGER_PAGES = {'statistics': '/statistics'}
ADMIN_PAGES = {'admin-users': '/admin/users', 'admin-machines': '/admin/machines',
               'admin-displays': '/admin/displays', 'admin-taxonomy': '/admin/taxonomy',
               'admin-alerts': '/admin/alerts'}
DEMO_PASSWORDS = {'admin': ADMIN_PASSWORD, 'manager': 'manager-demo', 'tech1': 'tech1-demo', 'tech2': 'tech2-demo'}
LANGUAGES = ('en', 'de')  # every user story runs in each (the `words` fixture, tests/browser/conftest.py)
BROWSER_LOCALES = {'en': 'en-GB', 'de': 'de-DE'}  # the browser's Accept-Language; the page's <html lang>
SHOTS = os.environ.get('CTP_SCREENSHOT_DIR')  # read at import: the test fixtures clear CTP_* variables


@dataclass(frozen=True)
class Words:
    """What a screen in one language says, from the app's own catalogue: a text missing from a language's catalogue
    fails the test (instead of passing in English), a changed translation fails where the screen shows it."""

    code: str

    def __call__(self, msgid: str, **params: object) -> str:
        """The marked text `msgid` (the English source) as shown, its `{placeholders}` filled."""
        self._known(msgid)
        text = i18n.translations(self.code).gettext(msgid)
        return text.format(**params) if params else text

    def plural(self, singular: str, plural: str, count: int, **params: object) -> str:
        self._known((singular, 0))
        return i18n.translations(self.code).ngettext(singular, plural, count).format(count=count, **params)

    def category(self, name: str) -> str:
        """A category of the default taxonomy by its English name, as this language names it."""
        return GERMAN[name] if self.code == 'de' else name

    def value(self, formats: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A value formatted in this language by app.i18n (`words.value(i18n.time_text, moment)`)."""
        with i18n.language(self.code):
            return formats(*args, **kwargs)

    @property
    def locale(self) -> str:
        return BROWSER_LOCALES[self.code]

    def _known(self, key: str | tuple[str, int]) -> None:
        if self.code != 'en' and key not in getattr(i18n.translations(self.code), '_catalog', {}):
            raise AssertionError(f'the {self.code} catalogue has no translation of {key!r}')


ENGLISH = Words('en')


def sign_in(page: Any, base: str, username: str = 'admin', password: str | None = None,
            words: Words | None = None) -> None:
    """Through the sign-in form, as a person would (the demo plant's password unless given); lands on the overview.
    The form speaks the browser's language (a context with `locale=words.locale`); with `words`, the overview is
    in their language, the person's own choice switched to it first where it differs."""
    said = words or ENGLISH
    if page.url != f'{base}/login':  # a walk that has just checked the form signs in on it
        page.goto(f'{base}/login')
    page.get_by_label(said('User name')).fill(username)
    page.get_by_label(said('Password')).fill(password or DEMO_PASSWORDS[username])
    page.get_by_role('button', name=said('Sign in')).click()
    if words is None:
        page.wait_for_url(f'{base}/')
        return
    page.wait_for_url(f'{base}/', wait_until='commit')  # signed in; the overview is on its way
    own = page.request.get(f'{base}/api/auth/me').json().get('language') or 'en'  # the story servers' plant's
    if own == words.code:
        page.wait_for_load_state()
    else:  # the person's language switched; the overview comes again in it (not waited for in the old one)
        speak(page, base, words)
        page.goto(f'{base}/')
    assert page.evaluate('document.documentElement.lang') == words.locale


def speak(page: Any, base: str, words: Words) -> None:
    """The signed-in person's own language (Profile), from the next page load on."""
    answer = page.request.put(f'{base}/api/auth/me/language', data={'language': words.code},
                              headers={'X-CTP-Request': '1', 'Origin': base})
    assert answer.ok, answer.text()


def signed_in_page(browser: Any, base: str, username: str, password: str, viewport: dict[str, int],
                   timeout_ms: int, words: Words = ENGLISH, at: str = '/') -> Any:
    """A new touch screen of that size in `words`' language, on the screen at `at` (the overview). Signed in through
    the REST API in the browser's own session (its cookie), so the story's first screen is loaded once, in its language:
    the form is walked by `sign_in` (the accessibility walks, the German screens, the monthly report) and the
    page tests."""
    page = browser.new_context(viewport=viewport, has_touch=True, locale=words.locale).new_page()
    page.set_default_timeout(timeout_ms)
    answer = page.request.post(f'{base}/api/auth/login', data={'username': username, 'password': password},
                               headers={'X-CTP-Request': '1', 'Origin': base})
    assert answer.ok, answer.text()
    if (answer.json().get('language') or 'en') != words.code:
        speak(page, base, words)
    page.goto(f'{base}{at}')
    assert page.evaluate('document.documentElement.lang') == words.locale
    return page


def shot(page: Any, name: str, words: Words, *, full_page: bool = True) -> None:
    """With CTP_SCREENSHOT_DIR set, the screen as `name`.png there (`name`-de.png in German), to be looked at."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        suffix = '' if words.code == 'en' else f'-{words.code}'
        page.screenshot(path=str(Path(SHOTS) / f'{name}{suffix}.png'), full_page=full_page)
