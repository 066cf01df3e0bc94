"""Photo rows and files move together: report/attach/delete, the count limit, failures and the sweeper."""
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from app import photo_store
from app.config import get_settings
from app.errors import NotFound, PermissionDenied, QuotaExceeded
from app.models import AuditAction, DisplayDevice, DisplayMachine, ProblemAudit, ProblemPhoto, Role
from app.models.schemas import ProblemLogCreate
from app.services import photo_sweep, photos, problem_logs
from app.services.access import Actor
from tests.factories import actor, make_machine, make_user, report
from tests.photo_corpus import camera_jpeg

ROOT = Path(__file__).resolve().parents[2]


def files() -> list[str]:
    folder = get_settings().photo_dir
    return sorted(os.listdir(folder)) if folder.exists() else []


def photo_rows(session: Session) -> list[ProblemPhoto]:
    return list(session.exec(select(ProblemPhoto)).scalars())


def prepared(count: int = 1) -> list[photos.PreparedPhoto]:
    return [photos.prepare_photo(camera_jpeg(), f'p{i}.jpg') for i in range(count)]


def test_a_report_commits_the_problem_and_its_photos_together(session: Session) -> None:
    machine = make_machine(session)
    tech = make_user(session, 'tech1', machines=[machine.id])  # type: ignore[list-item]
    ready = prepared(2)
    body = ProblemLogCreate(machine_id=machine.id, problem_description='Plate jam')  # type: ignore[arg-type]
    outcome = problem_logs.report_problem(session, actor=actor(tech), problem_in=body, photos=ready)
    rows = photo_rows(session)
    assert [row.log_id for row in rows] == [outcome.log.id] * 2
    assert files() == sorted(n for p in ready for n in (p.stored_name, p.thumb_name))
    actions = session.exec(select(ProblemAudit.action).where(ProblemAudit.log_id == outcome.log.id)).scalars().all()
    assert actions.count(AuditAction.PHOTO_ADDED) == 2


def test_a_replayed_report_keeps_the_first_photos_and_removes_the_new_files(session: Session) -> None:
    machine = make_machine(session)
    tech = make_user(session, 'tech1', machines=[machine.id])  # type: ignore[list-item]
    body = ProblemLogCreate(machine_id=machine.id, problem_description='Plate jam',  # type: ignore[arg-type]
                            client_key='tablet-7')
    first = problem_logs.report_problem(session, actor=actor(tech), problem_in=body, photos=prepared(1))
    again = prepared(1)
    replay = problem_logs.report_problem(session, actor=actor(tech), problem_in=body, photos=again)
    assert replay.log.id == first.log.id and not replay.created
    assert [row.log_id for row in photo_rows(session)] == [first.log.id]
    assert not {again[0].stored_name, again[0].thumb_name} & set(files())


def test_a_failure_between_file_write_and_commit_leaves_no_orphan(session: Session,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    machine = make_machine(session)
    tech = make_user(session, 'tech1', machines=[machine.id])  # type: ignore[list-item]
    ready = prepared(2)
    assert len(files()) == 4

    def fail(*_args: object, **_kwargs: object) -> None:
        raise OSError('disk gone at commit')
    monkeypatch.setattr(problem_logs.notifications, 'notify', fail)
    body = ProblemLogCreate(machine_id=machine.id, problem_description='Plate jam')  # type: ignore[arg-type]
    with pytest.raises(OSError):
        problem_logs.report_problem(session, actor=actor(tech), problem_in=body, photos=ready)
    assert files() == [] and photo_rows(session) == []


def test_attach_is_limited_to_the_per_problem_maximum(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_MAX_PHOTOS_PER_PROBLEM', '2')
    get_settings.cache_clear()
    machine = make_machine(session)
    tech = make_user(session, 'tech1', machines=[machine.id])  # type: ignore[list-item]
    log_id = report(session, tech, machine)
    photos.attach_photos(session, actor=actor(tech), log_id=log_id, prepared=prepared(2), kind='after')
    before = files()
    with pytest.raises(QuotaExceeded, match='at most 2 photos'):
        photos.attach_photos(session, actor=actor(tech), log_id=log_id, prepared=prepared(1))
    assert files() == before and len(photo_rows(session)) == 2


def test_the_team_attaches_photos_and_only_the_reporter_or_an_admin_deletes(session: Session) -> None:
    machine = make_machine(session)
    owner = make_user(session, 'tech1', machines=[machine.id])  # type: ignore[list-item]
    colleague = make_user(session, 'tech2', machines=[machine.id])  # type: ignore[list-item]
    stranger = make_user(session, 'tech3', machines=[])
    manager = make_user(session, 'maria', Role.MANAGER)
    log_id = report(session, owner, machine)
    with pytest.raises(NotFound):
        photos.attach_photos(session, actor=actor(stranger), log_id=log_id, prepared=prepared())
    with pytest.raises(PermissionDenied):
        photos.attach_photos(session, actor=actor(manager), log_id=log_id, prepared=prepared())
    assert files() == []
    [row] = photos.attach_photos(session, actor=actor(colleague), log_id=log_id, prepared=prepared())
    with pytest.raises(PermissionDenied):
        photos.delete_photo(session, actor=actor(colleague), photo_id=row.id)  # type: ignore[arg-type]
    assert len(files()) == 2


def test_deleting_a_photo_removes_row_and_files(session: Session) -> None:
    machine = make_machine(session)
    tech = make_user(session, 'tech1', machines=[machine.id])  # type: ignore[list-item]
    log_id = report(session, tech, machine)
    [row] = photos.attach_photos(session, actor=actor(tech), log_id=log_id, prepared=prepared())
    photos.delete_photo(session, actor=actor(tech), photo_id=row.id, log_id=log_id)  # type: ignore[arg-type]
    assert files() == [] and photo_rows(session) == []
    actions = session.exec(select(ProblemAudit.action).where(ProblemAudit.log_id == log_id)).scalars().all()
    assert AuditAction.PHOTO_REMOVED in actions


def test_deleting_a_problem_removes_its_photo_files(session: Session) -> None:
    machine = make_machine(session)
    admin = make_user(session, 'boss', Role.ADMIN)
    log_id = report(session, admin, machine)
    photos.attach_photos(session, actor=actor(admin), log_id=log_id, prepared=prepared(2))
    problem_logs.delete_problem(session, actor=actor(admin), log_id=log_id)
    assert files() == [] and photo_rows(session) == []


def test_sweeper_removes_old_files_nobody_names_and_reports_rows_without_files(session: Session) -> None:
    machine = make_machine(session)
    tech = make_user(session, 'tech1', machines=[machine.id])  # type: ignore[list-item]
    log_id = report(session, tech, machine)
    [kept] = photos.attach_photos(session, actor=actor(tech), log_id=log_id, prepared=prepared())
    [in_flight] = prepared()            # a form still open: its marker protects it, however old
    store = photo_store.get_store()
    orphan, fresh = photo_store.new_name(), photo_store.new_name()   # written without a marker (older code)
    store.put(orphan, b'jpeg')
    store.put(fresh, b'jpeg')
    folder = get_settings().photo_dir
    (folder / f'{photo_store.TEMP_PREFIX}abandoned').write_bytes(b'half a photo')
    old = time.time() - 3600
    for name in (orphan, kept.stored_name, kept.thumb_name, in_flight.stored_name, in_flight.thumb_name,
                 f'{photo_store.TEMP_PREFIX}abandoned'):
        os.utime(folder / name, (old, old))
    store.delete(kept.thumb_name)
    result = photo_sweep.sweep_orphans(session, store)
    assert sorted(result.removed_files) == sorted([orphan, f'{photo_store.TEMP_PREFIX}abandoned'])
    assert result.rows_without_file == [kept.id]
    assert files() == sorted([kept.stored_name, fresh, in_flight.stored_name, in_flight.thumb_name])


CRASHING_SERVER = '''
import json, os, sys, time
from app import photo_store
from app.services import photos
from tests.photo_corpus import camera_jpeg
ready = [photos.prepare_photo(camera_jpeg(), f'p{n}.jpg') for n in range(2)]
print(json.dumps([{k: v for k, v in vars(p).items() if k != 'thumb_jpeg'} for p in ready]), flush=True)
def stuck(*_args):
    print('third photo half written', flush=True)
    time.sleep(60)
os.replace = stuck
photos.prepare_photo(camera_jpeg(), 'p2.jpg')
'''


def test_a_server_killed_before_the_commit_leaves_no_file_after_the_next_sweep(session: Session) -> None:
    """SIGKILL with one upload prepared, one committed but not yet settled, one half written: right after the
    restart's sweep (files seconds old, far inside the grace period) exactly the uncommitted files are gone."""
    machine = make_machine(session)
    tech = make_user(session, 'tech1', machines=[machine.id])  # type: ignore[list-item]
    log_id = report(session, tech, machine)
    server = subprocess.Popen([sys.executable, '-c', CRASHING_SERVER], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    uncommitted, committed = [photos.PreparedPhoto(**fields, thumb_jpeg=b'') for fields in
                              json.loads(server.stdout.readline())]
    assert server.stdout.readline().strip() == 'third photo half written'
    # the commit happened, the kill came before the marker was dropped: the row's files must survive
    photos.attach_photos(session, actor=actor(tech), log_id=log_id,
                         prepared=[dataclasses.replace(committed, marker='')])
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=10)
    assert len(files()) == 5 and any(f.startswith(photo_store.TEMP_PREFIX) for f in files())
    result = photo_sweep.sweep_orphans(session, photo_store.get_store())
    assert files() == sorted([committed.stored_name, committed.thumb_name])
    assert uncommitted.stored_name in result.removed_files and result.rows_without_file == []
    assert photo_sweep.sweep_orphans(session, photo_store.get_store()).removed_files == []   # nothing left to do


def test_the_sweep_never_touches_an_upload_of_a_live_process(session: Session) -> None:
    [in_flight] = prepared()
    assert photo_sweep.sweep_orphans(session, photo_store.get_store(), grace_seconds=0).removed_files == []
    assert files() == sorted([in_flight.stored_name, in_flight.thumb_name])
    photos.discard([in_flight])
    assert files() == []


def test_wall_displays_see_photos_of_their_machines_only(session: Session) -> None:
    shown, other = make_machine(session, 'Shown'), make_machine(session, 'Other')
    admin = make_user(session, 'boss', Role.ADMIN)
    visible = photos.attach_photos(session, actor=actor(admin), log_id=report(session, admin, shown),
                                   prepared=prepared())[0]
    hidden = photos.attach_photos(session, actor=actor(admin), log_id=report(session, admin, other),
                                  prepared=prepared())[0]
    display = DisplayDevice(name='Press hall', all_machines=False)
    session.add(display)
    session.commit()
    session.add(DisplayMachine(display_id=display.id, machine_id=shown.id))  # type: ignore[arg-type]
    session.commit()
    wall = Actor(user_id=None, role=Role.NONE, name='Press hall', display_id=display.id)
    served = photos.photo_for_viewing(session, actor=wall, photo_id=visible.id, thumb=True)  # type: ignore[arg-type]
    assert served.name == visible.thumb_name
    with pytest.raises(NotFound):
        photos.photo_for_viewing(session, actor=wall, photo_id=hidden.id)  # type: ignore[arg-type]


WRITER = '''
import os, sys, time
from pathlib import Path
from app import photo_store
def stuck(*_args):
    print('written', flush=True)
    time.sleep(60)
os.replace = stuck
photo_store.LocalPhotoStore(Path(sys.argv[1])).put(sys.argv[2], b'x' * 4_000_000)
'''


def test_a_writer_killed_mid_write_leaves_no_final_file_and_the_sweep_clears_it(session: Session) -> None:
    store = photo_store.get_store()
    folder = get_settings().photo_dir
    name = photo_store.new_name()
    writer = subprocess.Popen([sys.executable, '-c', WRITER, str(folder), name], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None and writer.stdout.readline().strip() == 'written'
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    assert not store.exists(name)
    assert [f for f in files() if f.startswith(photo_store.TEMP_PREFIX)]   # the half-done write
    result = photo_sweep.sweep_orphans(session, store, grace_seconds=0)
    assert result.rows_without_file == [] and files() == []


async def test_the_periodic_sweep_removes_a_crashed_uploads_files(session: Session,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process died mid-upload (its marker is unlocked); the running server's minute job clears it."""
    import asyncio
    import uuid

    from app import jobs, photo_pending
    store = photo_store.get_store()
    name = photo_store.new_name()
    store.put(name, b'jpeg')
    pending = photo_pending.get_pending()
    owner = uuid.uuid4().hex
    (pending.folder / owner).mkdir(parents=True)
    (pending.folder / f'{owner}.lock').touch()
    (pending.folder / owner / uuid.uuid4().hex).write_text(name)
    monkeypatch.setattr(jobs, 'INTERVAL_SECONDS', 0.05)
    monkeypatch.setattr(jobs, 'run_once', lambda: None)
    task = asyncio.create_task(jobs._loop())
    try:
        for _ in range(100):
            await asyncio.sleep(0.05)
            if not files() and not list(pending.folder.iterdir()):
                break
    finally:
        task.cancel()
    assert files() == [] and not list(pending.folder.iterdir())
