"""Taxonomy names per language: the default taxonomy ships German names, an admin sets or removes one, lists and
labels show the screen's language and fall back to the name."""
from datetime import timedelta

from sqlmodel import Session

from app import i18n
from app.models import utcnow
from app.services import problem_queries, stats, taxonomy
from app.services.problem_queries import ProblemFilter
from tests.factories import actor, make_machine, make_user, report, seeded_category


def test_default_taxonomy_speaks_german_and_an_admin_names_the_plants_own(session: Session) -> None:
    jam = seeded_category(session, 'Plate loading / autoloader', 'Plate jam')
    admin = make_user(session, 'boss')
    admin.role = 'admin'  # type: ignore[assignment]
    own = taxonomy.create_category(session, actor=actor(admin), name='Conveyor belt', parent_id=jam.parent_id)
    with i18n.language('de'):
        assert taxonomy.category_info(session, jam.id).label == 'Plattenzufuhr / Autoloader – Plattenstau'  # type: ignore[arg-type]
        assert taxonomy.shown_name(own) == 'Conveyor belt'  # no German name yet: the name
    taxonomy.update_category(session, actor=actor(admin), category_id=own.id, names={'de': 'Förderband'})  # type: ignore[arg-type]
    with i18n.language('de'):
        assert taxonomy.labels(session)[own.id].symptom == 'Förderband'  # type: ignore[index]
    with i18n.language('en'):
        assert taxonomy.labels(session)[own.id].label == 'Plate loading / autoloader – Conveyor belt'  # type: ignore[index]
    taxonomy.update_category(session, actor=actor(admin), category_id=own.id, names={'de': ''})  # type: ignore[arg-type]
    with i18n.language('de'):
        assert taxonomy.shown_name(own) == 'Conveyor belt'


def test_problem_lists_show_the_category_in_the_readers_language(session: Session) -> None:
    machine = make_machine(session)
    tech = make_user(session, 'tech1', machines=[machine.id])  # type: ignore[list-item]
    report(session, tech, machine, category_id=seeded_category(session, 'Imaging head / laser', 'Banding/streaks').id)
    for language, label in (('de', 'Belichtungskopf / Laser – Streifen'),
                            ('en', 'Imaging head / laser – Banding/streaks')):
        with i18n.language(language):
            page = problem_queries.list_problems(session, actor=actor(tech), filters=ProblemFilter())
            assert [item.category for item in page.items] == [label]


def test_statistics_name_causes_in_the_readers_language(session: Session) -> None:
    machine = make_machine(session)
    tech = make_user(session, 'tech1', machines=[machine.id])  # type: ignore[list-item]
    manager = make_user(session, 'maria', 'manager')  # type: ignore[arg-type]
    start = utcnow() - timedelta(hours=2)
    report(session, tech, machine, start=start,
           category_id=seeded_category(session, 'Drum / clamping / vacuum', 'Vacuum error').id)
    for language, name in (('de', 'Trommel / Klemmung / Vakuum'), ('en', 'Drum / clamping / vacuum')):
        with i18n.language(language):
            per = stats.machine_stats(session, actor=actor(manager), start=start - timedelta(hours=1), end=utcnow())
            assert [cause.subsystem for cause in per[machine.id].top_causes] == [name]  # type: ignore[index]
