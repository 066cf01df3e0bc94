"""Alert formats escape their text for each receiver, and alerts ride the transaction of their change (issue 23)."""
import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from app.config import get_settings
from app.models import AlertOutbox, AlertSubscription, CTPProblemLog, Role
from app.services import alert_send, notifications
from app.services.alert_outbox import Delivery
from tests.factories import make_machine, make_user, report

NASTY = '<script>alert(1)</script> & *bold* <!channel> [x](http://evil.example)'


def delivery(kind: str) -> Delivery:
    payload = {'kind': 'problem_created', 'title': f'Problem on {NASTY}', 'facts': [['What', NASTY]],
               'link': 'https://ctp.plant.example/problem-logs/7', 'link_label': 'Open', 'log_id': 7}
    return Delivery(id=1, lease='l', key='k:1', kind=kind, destination='a@b.example', payload=payload)


def test_email_html_slack_and_teams_escape_the_alert_text() -> None:
    html = alert_send.html_body(delivery('email').payload)
    assert '<script>' not in html and '&lt;script&gt;alert(1)&lt;/script&gt; &amp;' in html
    slack = str(alert_send.slack_body(delivery('slack')))
    assert '<!channel>' not in slack and '&lt;!channel&gt;' in slack and '<script>' not in slack
    assert '<https://ctp.plant.example/problem-logs/7|Open>' in slack  # our own link stays a link
    teams = alert_send.teams_body(delivery('teams'))
    value = teams['sections'][0]['facts'][0]['value']  # type: ignore[index]
    assert '<script>' not in str(teams) and r'\[x\]\(http://evil\.example\)' in value and r'\*bold\*' in value
    message = alert_send.email_message(delivery('email'))
    assert message['Message-ID'] == '<k.1@ctp-log>' and message['X-CTP-Idempotency-Key'] == 'k:1'
    assert NASTY in message.get_body(('plain',)).get_content()  # type: ignore[union-attr]


def test_a_change_that_fails_after_its_alerts_were_added_leaves_no_alert(session: Session,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    magnus = make_machine(session, 'Magnus')
    tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    admin = make_user(session, 'boss', Role.ADMIN)
    session.add(AlertSubscription(user_id=admin.id, channel_kind='email', address='boss@x.example'))  # type: ignore[arg-type]
    session.commit()
    real_notify = notifications.notify

    def notify_then_fail(*args: object, **kwargs: object) -> set[int]:
        real_notify(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError('disk full')

    monkeypatch.setattr(notifications, 'notify', notify_then_fail)
    with pytest.raises(RuntimeError):
        report(session, tech, magnus)
    monkeypatch.undo()
    count = {table: session.exec(select(func.count()).select_from(table)).one()[0]
             for table in (AlertOutbox, CTPProblemLog)}
    assert count == {AlertOutbox: 0, CTPProblemLog: 0}
    session.commit()
    report(session, tech, magnus)
    assert session.exec(select(func.count()).select_from(AlertOutbox)).one()[0] == 1


async def test_plain_smtp_is_refused_beyond_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_SMTP_HOST', 'mail.plant.example')
    monkeypatch.setenv('CTP_SMTP_SECURITY', 'none')
    get_settings.cache_clear()
    with pytest.raises(alert_send.DeliveryFailed, match='starttls or tls') as refused:
        await alert_send.send_email(delivery('email'))
    assert refused.value.permanent
