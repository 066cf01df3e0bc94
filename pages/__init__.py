"""Every page module: importing this package declares every screen, `install()` serves them (main.py)."""
from components import page
from pages import (  # noqa: F401
    admin_alerts,
    admin_calendar,
    admin_index,
    admin_machines,
    admin_taxonomy,
    admin_users,
    display,
    displays_admin,
    labels,
    login,
    machine_detail,
    machine_stops,
    maintenance,
    monthly_report,
    notifications,
    overview,
    problem_detail,
    problem_list,
    problem_report,
    profile,
    statistics,
)


def install() -> None:
    """Serve every screen on NiceGUI's app: once per app (main.py; a test's app runs main.py again)."""
    page.install()
