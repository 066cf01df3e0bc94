"""The screens' Tailwind CSS is built ahead of time and linked by every page; no page loads NiceGUI's in-browser
compiler (components/page.py). That the sheet styles every class a screen uses: tests/browser/test_accessibility.py."""
import re

from nicegui.testing import User

from components.page import STYLESHEET


async def test_a_page_links_the_prebuilt_sheet_which_browsers_may_keep(user: User) -> None:
    html = (await user.http_client.get('/login')).text
    assert 'tailwindcss.min.js' not in html  # no compiler in the browser
    [url] = re.findall(r'<link rel="stylesheet" href="(/static/tailwind-[0-9a-f]{12}\.css)">', html)
    sheet = await user.http_client.get(url)
    assert sheet.status_code == 200 and sheet.headers['content-type'].startswith('text/css')
    assert sheet.content == STYLESHEET.read_bytes()
    assert 'max-age=31536000' in sheet.headers['cache-control']  # named by its content: a new build, a new name
