"""Photos reach Pillow only for people who may add them (issue 18): the pages offer no upload to anyone else, and
the upload handler re-checks the right, as the person is now, before any decoding (a 105 KB PNG can decode to
36 MP and cost seconds)."""
import os

import pytest
from nicegui import ui
from nicegui.testing import User

from app.config import get_settings
from app.db import session_scope
from app.models import Role
from app.services import photos
from tests.factories import PASSWORD, change_behind_the_pages, make_machine, make_user, report
from tests.pages.signin import WAIT, sign_in
from tests.photo_corpus import camera_jpeg


def files() -> list[str]:
    folder = get_settings().photo_dir
    return sorted(os.listdir(folder)) if folder.exists() else []


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every photo handed to Pillow (photos.prepare_photo), by name."""
    seen: list[str] = []
    original = photos.prepare_photo

    def counting(data: bytes, original_name: str | None) -> photos.PreparedPhoto:
        seen.append(original_name or '')
        return original(data, original_name)
    monkeypatch.setattr(photos, 'prepare_photo', counting)
    return seen


def uploader_of(user: User) -> ui.upload:
    return user.find(ui.upload).elements.pop()


async def problem_page(user: User, username: str = 'tech1', role: Role = Role.CTP_USER) -> tuple[int, int]:
    """A problem on tech1's machine; `username` opens its page. Returns (log id, the viewer's user id)."""
    with session_scope() as session:
        machine = make_machine(session)
        tech = make_user(session, 'tech1', machines=[machine.id])  # type: ignore[list-item]
        viewer = tech if username == 'tech1' else make_user(session, username, role, [machine.id])  # type: ignore[list-item]
        log_id = report(session, tech, machine)
        viewer_id = viewer.id
    await sign_in(user, username, PASSWORD, then=f'/problem-logs/{log_id}')
    return log_id, viewer_id  # type: ignore[return-value]


async def test_a_technician_unassigned_behind_the_open_page_cannot_upload_and_nothing_is_decoded(
        user: User, decodes: list[str]) -> None:
    _, tech_id = await problem_page(user)
    await user.should_see(marker='add-photos', retries=WAIT)
    change_behind_the_pages(tech_id, unassign=True)
    await uploader_of(user).handle_uploads([ui.upload.SmallFileUpload('p.jpg', 'image/jpeg', camera_jpeg())])
    await user.should_see(marker='photo-refused', retries=WAIT)
    await user.should_see('No photos attached')
    assert decodes == [] and files() == []


async def test_a_technician_demoted_behind_the_open_page_cannot_upload_and_nothing_is_decoded(
        user: User, decodes: list[str]) -> None:
    _, tech_id = await problem_page(user)
    await user.should_see(marker='add-photos', retries=WAIT)
    change_behind_the_pages(tech_id, role=Role.MANAGER)
    await uploader_of(user).handle_uploads([ui.upload.SmallFileUpload('p.jpg', 'image/jpeg', camera_jpeg())])
    await user.should_see(marker='photo-refused', content='your role', retries=WAIT)
    assert decodes == [] and files() == []


async def test_a_technician_who_may_work_the_problem_still_uploads(user: User, decodes: list[str]) -> None:
    await problem_page(user)
    await uploader_of(user).handle_uploads([ui.upload.SmallFileUpload('p.jpg', 'image/jpeg', camera_jpeg())])
    await user.should_see('1 photo attached', retries=WAIT)
    assert decodes == ['p.jpg']


async def test_someone_who_may_only_read_the_problem_is_offered_no_upload(user: User) -> None:
    await problem_page(user, 'maria', Role.MANAGER)
    await user.should_see('Problem #', retries=WAIT)
    await user.should_not_see(marker='add-photos')
    await user.should_not_see(ui.upload)


async def test_the_report_form_refuses_photos_once_its_user_lost_the_machine(user: User, decodes: list[str]) -> None:
    with session_scope() as session:
        machine = make_machine(session)
        tech = make_user(session, 'tech1', machines=[machine.id])  # type: ignore[list-item]
        machine_id, tech_id = machine.id, tech.id
    await sign_in(user, 'tech1', PASSWORD, then=f'/machines/{machine_id}/report')
    await user.should_see('Report problem', retries=WAIT)
    change_behind_the_pages(tech_id, unassign=True)  # type: ignore[arg-type]
    await uploader_of(user).handle_uploads([ui.upload.SmallFileUpload('p.jpg', 'image/jpeg', camera_jpeg())])
    await user.should_see(marker='photo-refused', retries=WAIT)
    assert decodes == [] and files() == []
