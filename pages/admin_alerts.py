"""/admin/alerts: outbound alerts (issue 23): channels, escalation rules, the shift roster, the outbox and its dead
letters (admins only)."""
from dataclasses import dataclass
from typing import TypeVar

from nicegui import ui
from pydantic import BaseModel, ValidationError

from app.db import read_session
from app.errors import InvalidInput
from app.i18n import N_, _, date_time_text
from app.services import alert_settings as settings
from app.services import users
from app.services.access import Actor, SignedIn, acting_as
from app.services.alert_settings import ChannelIn, ChannelPublic, OutboxPage, RuleIn, RulePublic, ShiftIO
from components.admin import act, admin_nav
from components.design import SECTION, TOUCH
from components.layout import frame
from components.page import page
from components.session import require_page_admin
from components.worker import io

M = TypeVar('M', bound=BaseModel)
WEEKDAYS = (N_('Monday'), N_('Tuesday'), N_('Wednesday'), N_('Thursday'), N_('Friday'), N_('Saturday'),
            N_('Sunday'))
TARGETS = {'shift_lead': N_("the shift's lead"), 'managers': N_('the managers'), 'admins': N_('the admins')}
RULE_KINDS = {'not_acknowledged': N_('Stop not acknowledged within'),
              'vendor_not_arrived': N_('Vendor not arrived within')}


@dataclass
class Snapshot:
    channels: list[ChannelPublic]
    rules: list[RulePublic]
    roster: list[ShiftIO]
    people: dict[int, str]
    dead: OutboxPage
    recent: OutboxPage


@page('/admin/alerts')
async def admin_alerts_page() -> None:
    actor = await require_page_admin(_('Alerts'))
    if actor is None:
        return
    with frame(_('Alerts'), actor):
        admin_nav('/admin/alerts')

        @ui.refreshable
        async def body() -> None:
            snap = await io(_load, actor)
            _channels(snap, body.refresh)
            _rules(snap, body.refresh)
            _roster(snap, body.refresh)
            _outbox(snap, body.refresh)
        await body()


def _channels(snap: Snapshot, refresh: object) -> None:
    with ui.card().classes('w-full max-w-3xl').mark('alert-channels'):
        ui.label(_('Channels')).classes('text-lg').props(SECTION)
        ui.label(_('Webhook, Teams and Slack addresses must be on CTP_ALERT_ALLOWED_HOSTS. A saved secret is '
                   'never shown again.'))
        for channel in snap.channels:
            with ui.row().classes('items-center gap-4').mark(f'channel-{channel.id}'):
                ui.label(f'{channel.name} ({channel.kind})').classes('font-bold')
                ui.label(channel.target).classes('break-all')
                ui.label(_('secret set') if channel.has_secret else _('no secret'))
                ui.label(_('on') if channel.enabled else _('off'))

                async def remove(c: ChannelPublic = channel) -> None:
                    if await act(_delete_channel, c.id, done=_('Channel removed')) is not None:
                        refresh()  # type: ignore[operator]
                ui.button(_('Remove'), on_click=remove).props('flat color=negative')
        with ui.row().classes('items-end'):
            name = ui.input(_('Name')).props('maxlength=80')
            kind = ui.select({'webhook': _('Webhook (signed JSON)'), 'teams': 'Microsoft Teams', 'slack': 'Slack',
                              'email': _('Shared mailbox')}, value='webhook', label=_('Kind')).classes('w-48')
            target = ui.input(_('URL or e-mail address')).classes('w-80').props('maxlength=500')
            secret = ui.input(_('Secret (webhooks)'), password=True).props('maxlength=200 autocomplete=off')

            async def add() -> None:
                body = {'name': name.value or '', 'kind': kind.value, 'target': target.value or '',
                        'secret': secret.value or None}
                if await act(_save_channel, body, done=_('Channel saved')) is not None:
                    refresh()  # type: ignore[operator]
            ui.button(_('Add channel'), on_click=add).classes('min-h-[48px]').mark('add-channel')


def _rules(snap: Snapshot, refresh: object) -> None:
    with ui.card().classes('w-full max-w-3xl').mark('escalation-rules'):
        ui.label(_('Escalation rules')).classes('text-lg').props(SECTION)
        for rule in snap.rules:
            with ui.row().classes('items-center gap-2').mark(f'rule-{rule.id}'):
                ui.label(_(RULE_KINDS[rule.kind]))
                minutes = ui.number(_('minutes'), value=rule.minutes, min=1, max=10080, precision=0).classes('w-24')
                target = ui.select({k: _(v) for k, v in TARGETS.items()}, value=rule.target,
                                   label=_('tell')).classes('w-48')
                enabled = ui.switch(_('on'), value=rule.enabled).classes(TOUCH)

                async def save(r: RulePublic = rule, m: ui.number = minutes, t: ui.select = target,
                               e: ui.switch = enabled) -> None:
                    body = {'kind': r.kind, 'minutes': int(m.value or 1), 'target': t.value, 'enabled': bool(e.value)}
                    await act(_save_rule, body, r.id, done=_('Rule saved'))
                ui.button(_('Save'), on_click=save).props('flat')


def _roster(snap: Snapshot, refresh: object) -> None:
    shifts = list(snap.roster)
    with ui.card().classes('w-full max-w-3xl').mark('roster'):
        ui.label(_('Shift roster')).classes('text-lg').props(SECTION)
        ui.label(_('Who leads which shift (plant time); a shift ending before it starts runs past midnight. '
                   'Without a lead on shift, the managers are told.'))
        for index, shift in enumerate(shifts):
            with ui.row().classes('items-center gap-4').mark(f'shift-{index}'):
                lead = snap.people.get(shift.lead_user_id or 0, '-')
                ui.label(f'{_(WEEKDAYS[shift.weekday])} {_clock(shift.start_minute)}-{_clock(shift.end_minute)} '
                         f'{shift.name}: {lead}')

                async def remove(i: int = index) -> None:
                    if await act(_save_roster, shifts[:i] + shifts[i + 1:], done=_('Roster saved')) is not None:
                        refresh()  # type: ignore[operator]
                ui.button(_('Remove'), on_click=remove).props('flat color=negative')
        with ui.row().classes('items-end'):
            name = ui.input(_('Shift'), value=_('Early')).props('maxlength=60').classes('w-32')
            day = ui.select({i: _(d) for i, d in enumerate(WEEKDAYS)}, value=0, label=_('Weekday')).classes('w-36')
            start = ui.input(_('From'), value='06:00').classes('w-20')
            end = ui.input(_('To'), value='14:00').classes('w-20')
            lead_pick = ui.select(snap.people, label=_('Lead')).classes('w-48')

            async def add() -> None:
                new = {'name': name.value or '-', 'weekday': int(day.value), 'start_minute': _minute(start.value),
                       'end_minute': _minute(end.value) or 1440, 'lead_user_id': lead_pick.value}
                if await act(_save_roster, [*shifts, new], done=_('Roster saved')) is not None:
                    refresh()  # type: ignore[operator]
            ui.button(_('Add shift'), on_click=add).classes('min-h-[48px]').mark('add-shift')


def _outbox(snap: Snapshot, refresh: object) -> None:
    with ui.card().classes('w-full max-w-3xl').mark('dead-letters'):
        ui.label(_('Dead letters')).classes('text-lg').props(SECTION)
        if not snap.dead.items:
            ui.label(_('None: every alert was delivered or is still being tried.'))
        for item in snap.dead.items:
            with ui.row().classes('items-center gap-4').mark(f'dead-{item.id}'):
                ui.label(f'{date_time_text(item.created_at)} {item.channel_kind} → {item.destination}')
                ui.label(item.last_error or '').classes('text-red-800 break-all')

                async def retry(i: int = item.id) -> None:
                    if await act(_retry, i, done=_('Sent again')) is not None:
                        refresh()  # type: ignore[operator]
                ui.button(_('Retry'), on_click=retry).props('flat')
    with ui.card().classes('w-full max-w-3xl').mark('outbox'):
        ui.label(_('Recent alerts')).classes('text-lg').props(SECTION)
        for item in snap.recent.items:
            ui.label(f'{date_time_text(item.created_at)} {item.status} ({item.attempts}) {item.channel_kind} → '
                     f'{item.destination}')


def _clock(minute: int) -> str:
    return f'{minute // 60:02d}:{minute % 60:02d}'


def _minute(text: str | None) -> int:
    hours, _sep, minutes = (text or '').strip().partition(':')
    try:
        return max(0, min(1440, int(hours) * 60 + int(minutes or 0)))
    except ValueError:
        return 0


def _load(actor: Actor) -> Snapshot:
    with read_session() as session:
        people = {u.id: u.name for u in users.list_users(session, actor=actor) if u.is_active}
        return Snapshot(channels=settings.list_channels(session, actor=actor),
                        rules=settings.list_rules(session, actor=actor),
                        roster=settings.read_roster(session, actor=actor), people=people,
                        dead=settings.list_outbox(session, actor=actor, status='dead', limit=50),
                        recent=settings.list_outbox(session, actor=actor, limit=20))


def _valid(model: type[M], data: dict[str, object] | M) -> M:
    """A form's values as the API's model; what it refuses is shown like any other refusal."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidInput(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from error


def _save_channel(who: SignedIn | None, body: dict[str, object]) -> bool:
    with acting_as(who) as (session, actor):
        settings.save_channel(session, actor=actor, body=_valid(ChannelIn, body))
        return True


def _delete_channel(who: SignedIn | None, channel_id: int) -> bool:
    with acting_as(who) as (session, actor):
        settings.delete_channel(session, actor=actor, channel_id=channel_id)
        return True


def _save_rule(who: SignedIn | None, body: dict[str, object], rule_id: int) -> bool:
    with acting_as(who) as (session, actor):
        settings.save_rule(session, actor=actor, body=_valid(RuleIn, body), rule_id=rule_id)
        return True


def _save_roster(who: SignedIn | None, shifts: list[ShiftIO | dict[str, object]]) -> bool:
    with acting_as(who) as (session, actor):
        settings.replace_roster(session, actor=actor, shifts=[_valid(ShiftIO, shift) for shift in shifts])
        return True


def _retry(who: SignedIn | None, outbox_id: int) -> bool:
    with acting_as(who) as (session, actor):
        settings.retry(session, actor=actor, outbox_id=outbox_id)
        return True
