"""Signing a browser session in: used by the REST login (routes/auth.py) and by the login page's completion route
(components/session.py), so neither depends on the other.

The session cookie carries only NiceGUI's opaque session id; the user id and when the session signed in, was last
used and last proved the password live in NiceGUI's per-user storage. It is reached through the ASGI app serving
the request (`request.app` is NiceGUI's app), as app/ never imports NiceGUI's UI side.
"""
import secrets
import time

from starlette.requests import Request

SIGNED_IN_AT = 'signed_in_at'  # epoch seconds, in the server-side storage (never in the cookie)
SEEN_AT = 'seen_at'
PASSWORD_AT = 'password_at'  # epoch seconds: sign-in, or a change of the user's own password in this session


async def sign_in(request: Request, user_id: int) -> None:
    """Sign in under a brand-new session id (session fixation, SECURITY.md A5): the pre-login id (and its storage)
    is emptied and abandoned."""
    storage = request.app.storage
    storage.user.clear()
    new_id = secrets.token_urlsafe(24)  # 192 bits; also safe as part of NiceGUI's storage file name
    await storage._create_user_storage(new_id)  # noqa: SLF001 - NiceGUI has no public rotation API
    request.session['id'] = new_id
    now = time.time()
    storage.user.update({'user_id': user_id, SIGNED_IN_AT: now, SEEN_AT: now, PASSWORD_AT: now})
