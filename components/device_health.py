"""Admin → Machines: the health of the machines' own reporting (issue 21): every device link and every
subscription CTP Log keeps with a device, with its last signal, last answer and last error."""
from nicegui import ui

from app.db import read_session
from app.i18n import _
from app.services.access import Actor
from app.services.jmf import links, subscriber
from components.design import local_text
from components.scroll_box import WIDE_TABLE, scroll_box
from components.worker import io


async def device_health(actor: Actor) -> None:
    """Nothing when no machine reports; otherwise one row per link (with its subscription, if any)."""
    found, subscriptions = await io(_read, actor)
    if not found:
        return
    by_link = {s.link_id: s for s in subscriptions}
    never = _('never')
    columns = [{'name': key, 'label': label, 'field': key, 'align': 'left'} for key, label in (
        ('machine', _('Machine')), ('sender', _('Sender')), ('how', _('How')), ('signal', _('Last signal')),
        ('subscribed', _('Last subscribed')), ('error', _('Last error')))]
    rows = [{'id': link.id, 'machine': link.machine_name, 'sender': link.sender_id,
             'how': (_('subscribed at {url}').format(url=by_link[link.id].url) if link.id in by_link
                     else _('the device posts')),
             'signal': local_text(link.last_signal_at) if link.last_signal_at else never,
             'subscribed': (local_text(by_link[link.id].subscribed_at) if link.id in by_link
                            and by_link[link.id].subscribed_at else '—'),
             'error': (by_link[link.id].last_error if link.id in by_link else None) or link.last_error or '—'}
            for link in found if link.revoked_at is None]
    ui.label(_('Machines reporting themselves (JMF)')).classes('text-lg font-bold mt-4')
    with scroll_box(_('Device links and subscriptions')):
        ui.table(columns=columns, rows=rows, row_key='id').classes(WIDE_TABLE).props('flat bordered') \
            .mark('device-health')


def _read(actor: Actor) -> tuple[list[links.LinkInfo], list[subscriber.SubscriptionInfo]]:
    with read_session() as session:
        return links.list_links(session, actor=actor), subscriber.list_subscriptions(session, actor=actor)
