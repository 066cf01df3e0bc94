"""Admin → Machines: a machine's device links (issue 21). The admin lists the links of the machine (sender, how it
signs in, allowed addresses, last signal, last error), links a device and copies its secret and receiver address
(shown this once), gives a link a new secret, and removes a link after confirming; subscriptions have their own
line and button (components/device_subscriptions.py). The services decide
(app/services/jmf/links.py, subscriber.py): the same calls as the REST API's /api/device-links."""
import re
from collections.abc import Callable

from nicegui import ui

from app.i18n import _
from app.services.access import SignedIn, acting_as
from app.services.jmf import links, subscriber
from components.admin import act
from components.confirm_dialog import confirm
from components.design import TOUCH, local_text
from components.device_subscriptions import subscribe_button, subscription_line
from components.dialog import named_dialog

Refresh = Callable[[], object]
LINE = 'w-full items-center gap-x-4 gap-y-0 border-t border-slate-300 dark:border-slate-600 pt-1'


def machine_links(machine_id: int, found: list[links.LinkInfo], subscriptions: list[subscriber.SubscriptionInfo],
                  base_url: str, refresh: Refresh) -> None:
    """The machine's active links, one line each, and the button to link a device."""
    by_link = {s.link_id: s for s in subscriptions}
    mine = [link for link in found if link.machine_id == machine_id and link.revoked_at is None]
    with ui.column().classes('w-full gap-1').mark(f'device-links-{machine_id}'):
        for link in mine:
            if (subscription := by_link.get(link.id)) is not None:
                subscription_line(link, subscription, base_url, refresh)
            else:
                _link_line(link, base_url, refresh)
        with ui.row().classes('gap-2'):
            ui.button(_('Link a device (JMF)'), icon='settings_input_antenna',
                      on_click=lambda: _add_dialog(machine_id, base_url, refresh)).props('flat no-caps') \
                .classes(TOUCH).mark(f'link-device-{machine_id}')
            subscribe_button(machine_id, base_url, refresh)


def _link_line(link: links.LinkInfo, base_url: str, refresh: Refresh) -> None:
    """A link the device posts to itself (a subscription's link: components/device_subscriptions.py)."""
    sender = f'{link.sender_id} / {link.device_id}' if link.device_id else link.sender_id
    how = _('URL token or HTTP Basic (user {sender})').format(sender=link.sender_id)
    error = link.last_error
    with ui.row().classes(LINE).mark(f'device-link-{link.id}'):
        ui.label(sender).classes('font-mono font-bold')
        ui.label(how)
        ui.label(_('from {addresses}').format(addresses=', '.join(link.allowed_addresses))
                 if link.allowed_addresses else _('from any address'))
        ui.label(_('last signal {when}').format(when=local_text(link.last_signal_at)) if link.last_signal_at
                 else _('no signal yet'))
        if error:
            ui.label(_('last error: {error}').format(error=error)).classes('text-red-8')
        ui.space()
        ui.button(_('New secret'), on_click=lambda: _rotate(link, base_url, refresh)).props('flat no-caps') \
            .classes(TOUCH).mark('rotate-link')
        ui.button(_('Remove'), on_click=lambda: _remove(link, refresh)).props('flat no-caps') \
            .classes(TOUCH + ' text-red-8').mark('remove-link')


def _add_dialog(machine_id: int, base_url: str, refresh: Refresh) -> None:
    title = _('Link a device (JMF)')
    with ui.context.client.content, named_dialog(title) as dialog, \
            ui.card().classes('w-[28rem] max-w-full').mark('link-dialog'):
        ui.label(title).classes('text-lg font-bold')
        ui.label(_('The device posts its status to CTP Log; it identifies itself with its sender ID (JMF SenderID, '
                   'XJMF DeviceID) and the secret shown next.'))
        sender = ui.input(_('Sender ID')).props('maxlength=120').classes('w-full').mark('link-sender')
        device = ui.input(_('Device ID (optional)')).props('maxlength=120').classes('w-full').mark('link-device')
        addresses = ui.input(_('Allowed addresses (optional)'),
                             placeholder='10.0.5.20, 10.0.6.0/24').classes('w-full').mark('link-addresses')

        async def save() -> None:
            made = await act(_create, machine_id, sender.value or '', device.value or '',
                             [a for a in re.split(r'[,;\s]+', addresses.value or '') if a])
            if made is not None:
                dialog.close()
                refresh()
                _show_secret(made[0], made[1], base_url)

        with ui.row().classes('w-full justify-end'):
            ui.button(_('Cancel'), on_click=dialog.close).props('flat').classes(TOUCH)
            ui.button(_('Link'), on_click=save).classes(TOUCH).mark('link-save')
    dialog.open()


def _show_secret(link: links.LinkInfo, secret: str, base_url: str) -> None:
    """The secret and the receiver's address, this once: copy them into the device's JMF settings now. Dialogs live
    on the page itself: the machine list they were opened from is rebuilt meanwhile."""
    title = _('Secret of {sender}').format(sender=link.sender_id)
    base = base_url.rstrip('/')
    with ui.context.client.content, named_dialog(title) as dialog, \
            ui.card().classes('w-[36rem] max-w-full').mark('link-secret-dialog'):
        ui.label(title).classes('text-lg font-bold')
        ui.label(_('Copy it now: it is shown only this once. Later you can only give the link a new secret.')) \
            .classes('font-bold')
        _copyable(_('The device posts to (URL token)'), f'{base}/api/jmf/{secret}', 'link-url')
        ui.label(_('Or, with HTTP Basic: post to {url} as user {sender} with this password').format(
            url=f'{base}/api/jmf', sender=link.sender_id))
        _copyable(_('Secret'), secret, 'link-secret')
        with ui.row().classes('w-full justify-end'):
            ui.button(_('Done'), on_click=dialog.close).classes(TOUCH).mark('link-secret-done')
    dialog.open()


def _copyable(label: str, value: str, marker: str) -> None:
    with ui.row().classes('w-full items-center no-wrap'):
        ui.input(label, value=value).props('readonly').classes('grow font-mono').mark(marker)
        ui.button(icon='content_copy', on_click=lambda: _copy(value)).props(f'flat aria-label="{_("Copy")}"') \
            .classes(TOUCH)


def _copy(value: str) -> None:
    ui.clipboard.write(value)
    ui.notify(_('Copied'), type='positive')


async def _rotate(link: links.LinkInfo, base_url: str, refresh: Refresh) -> None:
    if not await confirm(_('Give {sender} a new secret?').format(sender=link.sender_id), action=_('New secret'),
                         detail=_('The old secret stops working at once: enter the new one in the device.')):
        return
    made = await act(_rotate_secret, link.id)
    if made is not None:
        refresh()
        _show_secret(made[0], made[1], base_url)


async def _remove(link: links.LinkInfo, refresh: Refresh) -> None:
    if not await confirm(_('Remove the link of {sender}?').format(sender=link.sender_id), action=_('Remove'),
                         detail=_('The machine stops reporting itself: its secret stops working at once. The '
                                  'signals it sent stay.')):
        return
    done = _('Link of {sender} removed').format(sender=link.sender_id)
    if await act(_revoke, link.id, done=done) is not None:
        refresh()


def _create(who: SignedIn | None, machine_id: int, sender_id: str, device_id: str,
            addresses: list[str]) -> tuple[links.LinkInfo, str]:
    with acting_as(who) as (session, actor):
        return links.create_link(session, actor=actor, machine_id=machine_id, sender_id=sender_id,
                                 device_id=device_id, allowed_addresses=addresses)


def _rotate_secret(who: SignedIn | None, link_id: int) -> tuple[links.LinkInfo, str]:
    with acting_as(who) as (session, actor):
        return links.rotate_link(session, actor=actor, link_id=link_id)


def _revoke(who: SignedIn | None, link_id: int) -> bool:
    with acting_as(who) as (session, actor):
        links.revoke_link(session, actor=actor, link_id=link_id)
    return True
