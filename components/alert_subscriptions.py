"""The Profile page's "My alerts" card (issue 23): a person's own alert subscriptions, added and removed."""
from dataclasses import dataclass

from nicegui import ui
from pydantic import ValidationError

from app.db import read_session
from app.errors import InvalidInput, PermissionDenied
from app.i18n import N_, _
from app.services import alert_settings, machines
from app.services.access import Actor, SignedIn, acting_as
from app.services.alert_settings import ChannelPublic, SubscriptionIn, SubscriptionPublic
from components.admin import act
from components.worker import io

KINDS = {'problem_created': N_('Problem reported'), 'problem_acknowledged': N_('Problem acknowledged'),
         'vendor_called': N_('Vendor called'), 'problem_resolved': N_('Problem resolved'),
         'problem_reopened': N_('Problem reopened'), 'problem_cancelled': N_('Problem cancelled'),
         'not_acknowledged': N_('Stop not acknowledged in time'), 'vendor_not_arrived': N_('Vendor late')}


@dataclass
class Mine:
    subscriptions: list[SubscriptionPublic]
    channels: list[ChannelPublic]
    machines: dict[int, str]


async def alert_subscriptions_card(actor: Actor) -> None:
    """Nothing for people whose role cannot have alerts."""
    @ui.refreshable
    async def card() -> None:
        mine = await io(_load, actor)
        if mine is None:  # a role without alerts
            return
        with ui.card().classes('w-full max-w-2xl').mark('my-alerts'):
            ui.label(_('My alerts')).classes('text-lg')
            ui.label(_('Alerts by e-mail or to a team channel when something happens on your machines.'))
            for sub in mine.subscriptions:
                _row(sub, mine, card.refresh)
            if not mine.subscriptions:
                ui.label(_('No alerts yet.'))
            _form(mine, card.refresh)
    await card()


def _row(sub: SubscriptionPublic, mine: Mine, refresh: object) -> None:
    names = {c.id: c.name for c in mine.channels}
    where = sub.address if sub.channel_kind == 'email' and not sub.channel_id else names.get(sub.channel_id or 0, '?')
    what = ', '.join(_(KINDS[k]) for k in sub.event_kinds) or _('everything')
    on = ', '.join(mine.machines.get(m, '?') for m in sub.machine_ids) or _('all my machines')
    quiet = (f' · {_("quiet")} {sub.quiet_start // 60:02d}:{sub.quiet_start % 60:02d}-'
             f'{sub.quiet_end // 60:02d}:{sub.quiet_end % 60:02d}') if sub.quiet_start is not None \
        and sub.quiet_end is not None else ''
    with ui.row().classes('items-center gap-2').mark(f'subscription-{sub.id}'):
        ui.label(f'{where}: {what} · {on}{quiet}')

        async def remove() -> None:
            if await act(_delete, sub.id, done=_('Alert removed')) is not None:
                refresh()  # type: ignore[operator]
        ui.button(_('Remove'), on_click=remove).props('flat color=negative')


def _form(mine: Mine, refresh: object) -> None:
    targets = {'email': _('E-mail to my address')} | {f'channel:{c.id}': c.name for c in mine.channels}
    with ui.column().classes('w-full'):
        target = ui.select(targets, value='email', label=_('Send to')).classes('w-full').mark('alert-target')
        address = ui.input(_('E-mail address')).props('type=email maxlength=254').classes('w-full') \
            .mark('alert-address')
        kinds = ui.select({k: _(v) for k, v in KINDS.items()}, multiple=True, value=[],
                          label=_('About (empty: everything)')).classes('w-full')
        machine_pick = ui.select(mine.machines, multiple=True, value=[],
                                 label=_('Machines (empty: all of mine)')).classes('w-full')
        with ui.row():
            quiet_from = ui.input(_('Quiet from'), placeholder='22:00').classes('w-28')
            quiet_to = ui.input(_('Quiet until'), placeholder='06:00').classes('w-28')

        async def add() -> None:
            channel = next((c for c in mine.channels if f'channel:{c.id}' == target.value), None)
            body = {'channel_kind': channel.kind if channel else 'email', 'channel_id': channel.id if channel else None,
                    'address': address.value or '', 'event_kinds': kinds.value or [],
                    'machine_ids': machine_pick.value or [], 'quiet_start': _minute(quiet_from.value),
                    'quiet_end': _minute(quiet_to.value)}
            if await act(_add, body, done=_('Alert added')) is not None:
                refresh()  # type: ignore[operator]
        ui.button(_('Add alert'), on_click=add).classes('min-h-[48px]').mark('add-alert')


def _minute(text: str | None) -> int | None:
    hours, _sep, minutes = (text or '').strip().partition(':')
    if not hours:
        return None
    try:
        return int(hours) * 60 + int(minutes or 0)
    except ValueError as error:
        raise InvalidInput(_('write quiet hours as 22:00')) from error


def _load(actor: Actor) -> Mine | None:
    if actor.is_display or actor.user_id is None:
        return None
    with read_session() as session:
        try:
            subscriptions = alert_settings.list_subscriptions(session, actor=actor)
        except PermissionDenied:  # a role without alerts: no card
            return None
        channels = alert_settings.list_channels(session, actor=actor)
        names = {m.id: m.name for m in machines.list_machines(session, actor=actor)}
        return Mine(subscriptions=subscriptions, channels=channels, machines=names)


def _add(who: SignedIn | None, body: dict[str, object]) -> bool:
    try:
        data = SubscriptionIn.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidInput(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from error
    with acting_as(who) as (session, actor):
        alert_settings.save_subscription(session, actor=actor, body=data)
        return True


def _delete(who: SignedIn | None, subscription_id: int) -> bool:
    with acting_as(who) as (session, actor):
        alert_settings.delete_subscription(session, actor=actor, subscription_id=subscription_id)
        return True
