"""Every page module; importing this package registers all routes."""
from pages import login, machine_detail, notifications, overview, problem_detail, problem_report  # noqa: F401
