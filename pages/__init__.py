"""Every page module; importing this package registers all routes."""
from pages import (  # noqa: F401
    display,
    displays_admin,
    labels,
    login,
    machine_detail,
    monthly_report,
    notifications,
    overview,
    problem_detail,
    problem_report,
    statistics,
)
