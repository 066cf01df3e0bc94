"""/login, /logout and /no-access: signing in and out, and the plain page for users without CTP access."""
from urllib.parse import urlencode

from nicegui import ui

from app.db import session_scope
from app.errors import NotAuthenticated, TooManyRequests
from app.i18n import _
from app.services import throttle
from components.design import TITLE
from components.page import page
from components.session import client_address, prepare_login, safe_redirect, sign_out_form
from components.worker import io


@page('/login')
def login_page(redirect_to: str = '/') -> None:
    target = safe_redirect(redirect_to)
    address = client_address()

    async def try_login() -> None:
        if not button.enabled:  # Enter and a tap, or a second Enter, while the first check runs
            return
        button.disable()
        button.props('loading')  # feedback at once: the password check takes a moment on purpose
        try:
            user_id = await io(_check, username.value or '', password.value or '', address)
        except (TooManyRequests, NotAuthenticated) as error:
            button.enable()
            button.props(remove='loading')
            too_many = isinstance(error, TooManyRequests)
            ui.notify(error.message[:1].upper() + error.message[1:] if too_many else _('Wrong user name or password'),
                      type='warning' if too_many else 'negative')
            return
        nonce = prepare_login(user_id)
        ui.navigate.to('/login/complete?' + urlencode({'nonce': nonce, 'redirect_to': target}))

    ui.page_title(_('Sign in') + ' · CTP Log')
    with ui.card().classes('absolute-center w-80'):
        ui.label('CTP Log').classes('text-2xl font-bold').props(TITLE)  # the product's name, in every language
        username = ui.input(_('User name')).props('autofocus autocomplete=username').classes('w-full')
        password = ui.input(_('Password'), password=True).props('autocomplete=current-password').classes('w-full')
        password.on('keydown.enter', try_login)
        button = ui.button(_('Sign in'), on_click=try_login).classes('w-full min-h-[48px]').mark('sign-in')


def _check(username: str, password: str, address: str) -> int:
    with session_scope() as session:
        user = throttle.sign_in(session, username=username, password=password, address=address)
        return user.id  # type: ignore[return-value]


@page('/logout')
def logout_page() -> None:
    """Signing out is a POST from this form or the header's: a link (GET) from anywhere never signs out."""
    ui.page_title(_('Sign out') + ' · CTP Log')
    with ui.card().classes('absolute-center'):
        ui.label(_('Sign out of CTP Log on this device?')).classes('text-lg')
        sign_out_form()


@page('/no-access')
def no_access_page() -> None:
    ui.page_title(_('No access') + ' · CTP Log')
    with ui.card().classes('absolute-center'):
        ui.label(_('Your account has no access to CTP Log.')).classes('text-lg')
        ui.label(_('Ask an administrator if you need it.'))
        sign_out_form(_('Sign in as someone else'))
