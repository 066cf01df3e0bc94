"""Pairing by the code on the screen (issue 26): a code works once, wrong/expired/used codes are refused."""
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from sqlmodel import Session, select

from app.errors import InvalidInput, PermissionDenied
from app.models import DisplayClaim, Role, utcnow
from app.services import display_claims, displays
from app.services.access import Actor
from tests.factories import actor, make_user


@pytest.fixture(autouse=True)
def fresh_throttle() -> Iterator[None]:
    display_claims.forget_failures()
    yield
    display_claims.forget_failures()


def _admin_and_display(session: Session) -> tuple[Actor, int]:
    admin = actor(make_user(session, 'boss', Role.ADMIN))
    info, _ = displays.register_display(session, actor=admin, name='Plate room wall')
    return admin, info.id


def test_the_code_on_the_screen_pairs_it_once(session: Session) -> None:
    admin, display_id = _admin_and_display(session)
    code, secret = display_claims.start_claim(session)
    assert len(code) == 9 and code[4] == '-' and not set(code) & set('01OI')
    assert display_claims.collect(session, secret) is None  # nobody typed it yet
    typed = ' ' + code.lower().replace('-', ' ') + ' '  # case, dashes and spaces do not matter
    info = display_claims.claim(session, actor=admin, display_id=display_id, code=typed)
    assert info.name == 'Plate room wall'
    pair_code = display_claims.collect(session, secret)
    assert pair_code is not None
    token = displays.pair(session, code=pair_code)
    board = displays.actor_for_token(session, token)
    assert board is not None and board.display_id == display_id
    assert display_claims.collect(session, secret) is None  # collected once
    with pytest.raises(InvalidInput, match='no screen shows this code'):
        display_claims.claim(session, actor=admin, display_id=display_id, code=code)  # used


def test_a_wrong_or_expired_code_is_refused(session: Session) -> None:
    admin, display_id = _admin_and_display(session)
    with time_machine.travel(utcnow(), tick=False) as clock:
        code, secret = display_claims.start_claim(session)
        with pytest.raises(InvalidInput, match='no screen shows this code'):
            display_claims.claim(session, actor=admin, display_id=display_id, code='ABCD-EFGH' if code != 'ABCD-EFGH'
                                 else 'ABCD-EFGJ')
        clock.shift(display_claims.CLAIM_TTL + timedelta(seconds=1))
        with pytest.raises(InvalidInput, match='no screen shows this code'):
            display_claims.claim(session, actor=admin, display_id=display_id, code=code)
        assert display_claims.collect(session, secret) is None
        display_claims.start_claim(session)  # expired claims are deleted on the way
        assert len(session.exec(select(DisplayClaim)).all()) == 1


def test_guessing_is_throttled(session: Session) -> None:
    admin, display_id = _admin_and_display(session)
    code, _ = display_claims.start_claim(session)
    for _attempt in range(display_claims.FAILURES_PER_MINUTE):
        with pytest.raises(InvalidInput, match='no screen shows this code'):
            display_claims.claim(session, actor=admin, display_id=display_id, code='WXYZ-WXYZ')
    with pytest.raises(InvalidInput, match='too many wrong codes'):
        display_claims.claim(session, actor=admin, display_id=display_id, code=code)  # even the right one, for now


def test_only_an_admin_claims(session: Session) -> None:
    _, display_id = _admin_and_display(session)
    code, _ = display_claims.start_claim(session)
    manager = actor(make_user(session, 'manager1', Role.MANAGER))
    with pytest.raises(PermissionDenied):
        display_claims.claim(session, actor=manager, display_id=display_id, code=code)


def test_a_revoked_display_re_paired_by_code_keeps_its_old_token_dead(session: Session) -> None:
    admin, display_id = _admin_and_display(session)
    pairing = displays.new_pairing_code(session, actor=admin, display_id=display_id)
    old_token = displays.pair(session, code=pairing)
    displays.revoke_display(session, actor=admin, display_id=display_id)
    code, secret = display_claims.start_claim(session)
    display_claims.claim(session, actor=admin, display_id=display_id, code=code)
    pair_code = display_claims.collect(session, secret)
    assert pair_code is not None
    new_token = displays.pair(session, code=pair_code)
    assert displays.actor_for_token(session, old_token) is None
    assert displays.actor_for_token(session, new_token) is not None
