"""Property-based run of the OpenAPI schema (schemathesis 4) as an admin and as a CTP user: never a 5xx, every
answer documented and matching its schema, bad input refused. Deterministic: derandomized, bounded examples."""
import os
import runpy
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from nicegui import core
from nicegui.testing.general import nicegui_reset_globals
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.db import session_scope
from tests.api.conftest import MAIN, Plant, token_for
from tests.factories import report

EXAMPLES = 30
KNOWN_IDS = {'log_id': 1, 'machine_id': 1, 'notification_id': 1}
# negative_data_rejection is left out: text fields trim whitespace before their length limit, so a padded
# over-long text is legitimately accepted (the negative examples still run, and must never be a 5xx).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(params=['admin', 'tech'])
def role_headers(request: pytest.FixtureRequest, plant: Plant) -> dict[str, str]:
    with session_scope() as session:
        report(session, plant.tech, plant.press1, description='Laser power fading')
        report(session, plant.admin, plant.press2, description='Punch error')
    return token_for(plant.admin if request.param == 'admin' else plant.tech)


@pytest.fixture
def api_schema(role_headers: dict[str, str]) -> Iterator[Any]:
    """The whole app (main.py); schemathesis runs its lifespan in its own event loop thread."""
    with nicegui_reset_globals():
        os.environ['NICEGUI_USER_SIMULATION'] = 'true'
        try:
            runpy.run_path(str(MAIN), run_name='__main__')
            yield schemathesis.openapi.from_asgi('/api/openapi.json', core.app)
        finally:
            shutdown_lifespans()
            os.environ.pop('NICEGUI_USER_SIMULATION', None)


def _run(operation: Any, mode: GenerationMode, headers: dict[str, str], known: dict[str, int] | None) -> None:
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=known))
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)
    run()


@pytest.mark.slow
def test_no_input_makes_the_api_fail(api_schema: Any, role_headers: dict[str, str]) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        if operation.path.startswith('/api/auth/'):
            continue  # sign-in has its own tests (issue 3); its throttling would lock the token out
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, role_headers, None)
        if '{' in operation.path:  # again on rows that exist, so edits and transitions get exercised too
            _run(operation, GenerationMode.POSITIVE, role_headers, KNOWN_IDS)
