"""/login, /logout and /no-access: signing in and out, and the plain page for users without CTP access."""
from nicegui import run, ui

from app.db import session_scope
from app.services import users
from components.session import safe_redirect, sign_in, sign_out


@ui.page('/login')
def login_page(redirect_to: str = '/') -> None:
    target = safe_redirect(redirect_to)

    async def try_login() -> None:
        user_id = await run.io_bound(_check, username.value or '', password.value or '')
        if user_id is None:
            ui.notify('Wrong user name or password', type='negative')
            return
        sign_in(user_id)
        ui.navigate.to(target)

    ui.page_title('Sign in · CTP Log')
    with ui.card().classes('absolute-center w-80'):
        ui.label('CTP Log').classes('text-2xl font-bold')
        username = ui.input('User name').props('autofocus autocomplete=username').classes('w-full')
        password = ui.input('Password', password=True).props('autocomplete=current-password').classes('w-full')
        password.on('keydown.enter', try_login)
        ui.button('Sign in', on_click=try_login).classes('w-full min-h-[48px]')


def _check(username: str, password: str) -> int | None:
    with session_scope() as session:
        user = users.authenticate(session, username=username, password=password)
        return user.id if user else None


@ui.page('/logout')
def logout_page() -> None:
    sign_out()
    ui.navigate.to('/login')


@ui.page('/no-access')
def no_access_page() -> None:
    ui.page_title('No access · CTP Log')
    with ui.card().classes('absolute-center'):
        ui.label('Your account has no access to CTP Log.').classes('text-lg')
        ui.label('Ask an administrator if you need it.')
        ui.link('Sign in as someone else', '/logout')
