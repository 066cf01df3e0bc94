"""Admin → Machines: CTP Log's subscriptions to a device's or workflow server's status signals (issue 21), next to
the machine's device links. The admin subscribes a machine (the device's JMF address and the sender ID its signals
carry), sees each subscription's health (subscribed until, last signal, last error), renews it now, and removes it
after confirming. The services decide (app/services/jmf/subscriber.py), as for the REST API's /api/jmf-subscriptions.
"""
from collections.abc import Callable

from nicegui import ui

from app.i18n import _
from app.services.access import SignedIn, acting_as
from app.services.jmf import links, subscriber
from components.admin import act
from components.confirm_dialog import confirm
from components.design import TOUCH, local_text
from components.dialog import named_dialog

Refresh = Callable[[], object]
LINE = 'w-full items-center gap-x-4 gap-y-0 border-t border-slate-300 dark:border-slate-600 pt-1'


def subscribe_button(machine_id: int, base_url: str, refresh: Refresh) -> None:
    ui.button(_('Subscribe to a device (JMF)'), icon='sync_alt',
              on_click=lambda: _add_dialog(machine_id, refresh)).props('flat no-caps').classes(TOUCH) \
        .mark(f'subscribe-device-{machine_id}')


def subscription_line(link: links.LinkInfo, subscription: subscriber.SubscriptionInfo, base_url: str,
                      refresh: Refresh) -> None:
    """One subscription: where, its health, renew now, remove."""
    sender = f'{link.sender_id} / {link.device_id}' if link.device_id else link.sender_id
    with ui.row().classes(LINE).mark(f'subscription-{subscription.id}'):
        ui.label(sender).classes('font-mono font-bold')
        ui.label(_('subscribed at {url}').format(url=subscription.url))
        ui.label(health_text(subscription)).mark('subscription-health')
        ui.label(_('last signal {when}').format(when=local_text(subscription.last_signal_at))
                 if subscription.last_signal_at else _('no signal yet'))
        if subscription.last_error:
            ui.label(_('last error: {error}').format(error=subscription.last_error)).classes('text-red-8')
        ui.space()
        ui.button(_('Renew now'), on_click=lambda: _renew(subscription, base_url, refresh)).props('flat no-caps') \
            .classes(TOUCH).mark('renew-subscription')
        ui.button(_('Remove'), on_click=lambda: _remove(link, subscription, refresh)).props('flat no-caps') \
            .classes(TOUCH + ' text-red-8').mark('remove-subscription')


def health_text(subscription: subscriber.SubscriptionInfo) -> str:
    """Subscribed until the next renewal; or why not (yet)."""
    renewal = local_text(subscription.next_renewal_at)
    if subscription.healthy:
        return _('subscribed until {when}').format(when=renewal)
    if subscription.subscribed_at is None and subscription.attempted_at is None:
        return _('not subscribed yet: CTP Log subscribes within a minute')
    return _('not subscribed: next attempt {when}').format(when=renewal)


def _add_dialog(machine_id: int, refresh: Refresh) -> None:
    title = _('Subscribe to a device (JMF)')
    with ui.context.client.content, named_dialog(title) as dialog, \
            ui.card().classes('w-[28rem] max-w-full').mark('subscribe-dialog'):
        ui.label(title).classes('text-lg font-bold')
        ui.label(_('CTP Log asks the device or workflow server (Prinect, Prinergy, Apogee, Equios) to send its status '
                   'signals, and renews that request on its own.'))
        url = ui.input(_('JMF address of the device'), placeholder='http://10.0.5.20:8080/jmf') \
            .props('maxlength=500').classes('w-full').mark('subscribe-url')
        sender = ui.input(_('Sender ID its signals carry')).props('maxlength=120').classes('w-full') \
            .mark('subscribe-sender')
        device = ui.input(_('Device ID (optional)')).props('maxlength=120').classes('w-full').mark('subscribe-device')

        async def save() -> None:
            done = _('Subscription to {url} saved').format(url=(url.value or '').strip())
            if await act(_create, machine_id, url.value or '', sender.value or '', device.value or '',
                         done=done) is not None:
                dialog.close()
                refresh()

        with ui.row().classes('w-full justify-end'):
            ui.button(_('Cancel'), on_click=dialog.close).props('flat').classes(TOUCH)
            ui.button(_('Subscribe'), on_click=save).classes(TOUCH).mark('subscribe-save')
    dialog.open()


async def _renew(subscription: subscriber.SubscriptionInfo, base_url: str, refresh: Refresh) -> None:
    ui.notify(_('Asking {url}…').format(url=subscription.url))
    info = await act(_renew_now, subscription.id, base_url)
    if info is None:
        return
    if info.last_error:
        ui.notify(_('The device did not subscribe: {error}').format(error=info.last_error), type='warning')
    else:
        ui.notify(_('Subscribed until {when}').format(when=local_text(info.next_renewal_at)), type='positive')
    refresh()


async def _remove(link: links.LinkInfo, subscription: subscriber.SubscriptionInfo, refresh: Refresh) -> None:
    if not await confirm(_('Remove the subscription to {url}?').format(url=subscription.url), action=_('Remove'),
                         detail=_('CTP Log stops renewing it and refuses the signals {sender} still sends. The '
                                  'signals it sent stay.').format(sender=link.sender_id)):
        return
    done = _('Subscription to {url} removed').format(url=subscription.url)
    if await act(_delete, subscription.id, done=done) is not None:
        refresh()


def _create(who: SignedIn | None, machine_id: int, url: str, sender_id: str,
            device_id: str) -> subscriber.SubscriptionInfo:
    with acting_as(who) as (session, actor):
        return subscriber.create_subscription(session, actor=actor, machine_id=machine_id, url=url,
                                              sender_id=sender_id, device_id=device_id)


def _renew_now(who: SignedIn | None, subscription_id: int, base_url: str) -> subscriber.SubscriptionInfo:
    with acting_as(who, write=False) as (_session, actor):
        now = actor  # the rights as they are now; the attempt must not hold the database while it waits
    return subscriber.renew_now(actor=now, subscription_id=subscription_id, base_url=base_url)


def _delete(who: SignedIn | None, subscription_id: int) -> bool:
    with acting_as(who) as (session, actor):
        subscriber.delete_subscription(session, actor=actor, subscription_id=subscription_id)
    return True
