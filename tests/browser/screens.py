"""The screens the browser tests walk on the demo plant, and signing in to them."""
from typing import Any

from tests.browser.server import ADMIN_PASSWORD

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


def sign_in(page: Any, base: str, username: str = 'admin', password: str | None = None) -> None:
    """Through the sign-in form, as a person would (the demo plant's password unless given); lands on the overview."""
    page.goto(f'{base}/login')
    page.get_by_label('User name').fill(username)
    page.get_by_label('Password').fill(password or DEMO_PASSWORDS[username])
    page.get_by_role('button', name='Sign in').click()
    page.wait_for_url(f'{base}/')


def signed_in_page(browser: Any, base: str, username: str, password: str, viewport: dict[str, int],
                   timeout_ms: int) -> Any:
    """A new touch screen of that size, signed in through the form, on the overview."""
    page = browser.new_context(viewport=viewport, has_touch=True).new_page()
    page.set_default_timeout(timeout_ms)
    sign_in(page, base, username, password)
    return page
