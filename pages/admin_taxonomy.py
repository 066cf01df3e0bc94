"""/admin/taxonomy: failure subsystems and symptoms: add, rename, archive/restore, delete unused (admins only)."""
from nicegui import ui

from app.db import read_session
from app.i18n import _, ngettext
from app.models import Category
from app.services import taxonomy
from app.services.access import SignedIn, acting_as
from components.admin import act, admin_nav
from components.confirm_dialog import confirm
from components.layout import frame
from components.page import page
from components.session import require_page_admin
from components.worker import io


@page('/admin/taxonomy')
async def admin_taxonomy_page() -> None:
    actor = await require_page_admin(_('Failure taxonomy'))
    if actor is None:
        return

    @ui.refreshable
    async def tree() -> None:
        rows, used = await io(_load)
        for parent, children in rows:
            with ui.card().classes('w-full').mark(f'subsystem-{parent.id}'):
                _category_row(parent, tree.refresh, used.get(parent.id, 0), symptoms=len(children))  # type: ignore[arg-type]
                with ui.column().classes('pl-6 gap-1'):
                    for child in children:
                        _category_row(child, tree.refresh, used.get(child.id, 0))  # type: ignore[arg-type]
                    _add_row(_('New symptom of {subsystem}').format(subsystem=parent.name), parent.id, tree.refresh)

    with frame(_('Failure taxonomy'), actor):
        admin_nav('/admin/taxonomy')
        _add_row(_('New subsystem'), None, lambda: tree.refresh())
        await tree()


def _category_row(row: Category, refresh: object, used: int, *, symptoms: int | None = None) -> None:
    """One entry: rename; archive (hidden from new reports, kept on old ones) or restore; delete only when unused."""
    what = ngettext("'{name}' and its {count} symptom", "'{name}' and its {count} symptoms", symptoms).format(
        name=row.name, count=symptoms) if symptoms else f"'{row.name}'"
    problems = ngettext('{count} problem', '{count} problems', used).format(count=used)
    kept = ngettext('{count} problem keeps it', '{count} problems keep it', used).format(count=used) if used \
        else _('no problem uses it')
    with ui.row().classes('items-center gap-2').mark(f'category-{row.id}'):
        name = ui.input(value=row.name).props('maxlength=120').classes(
            'w-72' + (' font-bold' if symptoms is not None else ''))
        # the field has no visible label: its value is the name
        name.props['aria-label'] = _('Name of {name}').format(name=row.name)
        german = ui.input(value=(row.names or {}).get('de', ''), placeholder=_('German name')) \
            .props('maxlength=120').classes('w-60').mark(f'german-{row.id}')
        german.props['aria-label'] = _('German name of {name}').format(name=row.name)  # shown on German screens

        async def rename() -> None:
            fields = {'name': name.value or '', 'names': {'de': german.value or ''}}
            if await act(_update, row.id, fields, done=_('Renamed')) is not None:
                refresh()  # type: ignore[operator]

        async def archive() -> None:
            if row.active and not await confirm(_('Archive {what}?').format(what=what), action=_('Archive'), detail=(
                    _('It disappears from new reports; {kept}. You can restore it here at any time.').format(
                        kept=kept))):
                return
            done = (_('{name} archived') if row.active else _('{name} restored')).format(name=row.name)
            if await act(_update, row.id, {'active': not row.active}, done=done) is not None:
                refresh()  # type: ignore[operator]

        async def delete() -> None:
            if not await confirm(_('Delete {what} for good?').format(what=what), action=_('Delete'),
                                 detail=_('No problem uses it. This cannot be undone; archiving can.')):
                return
            if await act(_delete, row.id, done=_('{name} deleted').format(name=row.name)) is not None:
                refresh()  # type: ignore[operator]

        ui.button(_('Rename'), on_click=rename).props('flat')
        ui.button(_('Archive') if row.active else _('Restore'), on_click=archive).props('flat').mark(
            f'archive-{row.id}')
        if not used:  # a category in use is never destroyed (the service refuses too: 409)
            ui.button(_('Delete'), on_click=delete).props('flat color=negative').mark(f'delete-{row.id}')
        if not row.active:
            ui.label(_('archived · {kept}').format(kept=kept)).classes('text-slate-600')
        elif used:
            ui.label(problems).classes('text-slate-600')


def _add_row(label: str, parent_id: int | None, refresh: object) -> None:
    with ui.row().classes('items-center gap-2'):
        name = ui.input(label).props('maxlength=120').classes('w-72')

        async def add() -> None:
            if await act(_create, name.value or '', parent_id, done=_('Added')) is not None:
                name.value = ''
                refresh()  # type: ignore[operator]

        ui.button(_('Add'), on_click=add).props('flat').mark(f'add-{parent_id or "subsystem"}')


def _load() -> tuple[list[tuple[Category, list[Category]]], dict[int, int]]:
    with read_session() as session:
        return taxonomy.list_tree(session, include_inactive=True), taxonomy.usage(session)


def _create(who: SignedIn | None, name: str, parent_id: int | None) -> int:
    with acting_as(who) as (session, actor):
        return taxonomy.create_category(session, actor=actor, name=name, parent_id=parent_id).id  # type: ignore[return-value]


def _update(who: SignedIn | None, category_id: int, fields: dict[str, object]) -> int:
    with acting_as(who) as (session, actor):
        return taxonomy.update_category(session, actor=actor, category_id=category_id, **fields).id  # type: ignore[arg-type,return-value]


def _delete(who: SignedIn | None, category_id: int) -> bool:
    with acting_as(who) as (session, actor):
        taxonomy.delete_category(session, actor=actor, category_id=category_id)
        return True
