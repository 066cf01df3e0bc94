"""A websocket handshake to NiceGUI's socket path through one ASGI middleware, behind an app that accepts."""
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send


async def websocket_handshake(middleware: Callable[[ASGIApp], ASGIApp], headers: dict[str, str],
                              scheme: str = 'ws') -> list[Message]:
    """What `middleware` sends for a handshake to /_nicegui_ws/ with these headers (host defaults to ctp.local)."""
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({'type': 'websocket.accept'})

    async def receive() -> Message:
        return {'type': 'websocket.connect'}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {'type': 'websocket', 'path': '/_nicegui_ws/socket.io/', 'scheme': scheme, 'query_string': b'',
             'headers': [(k.lower().encode(), v.encode()) for k, v in {'host': 'ctp.local', **headers}.items()]}
    await middleware(app)(scope, receive, send)
    return sent
