"""Property-based fuzzing of the OpenAPI schema (schemathesis): no 5xx, responses match the schema."""

from __future__ import annotations

import pytest

pytest.importorskip("schemathesis")
import schemathesis  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from arena.api import create_app  # noqa: E402

pytestmark = [pytest.mark.xdist_group("api_fuzz"), pytest.mark.filterwarnings("ignore::DeprecationWarning")]

ADMIN = "fuzz-admin-key-0123456789abcdef"
app = create_app(
    {"n_agents": 1_000, "seed": 1, "max_agents": 500, "rate_limit": 1_000_000},
    paused=True,
    admin_key=ADMIN,
    max_step_ticks=20,
    max_reset_agents=3_000,
)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ = settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@schema.parametrize()
@FUZZ
def test_fuzz_without_key(case):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_fuzz_as_admin(case):
    case.call_and_validate(headers={"X-API-Key": ADMIN}, checks=CHECKS)
