"""Every page module; importing this package registers all routes."""
from pages import display, displays_admin, labels, login, monthly_report, overview, statistics  # noqa: F401
