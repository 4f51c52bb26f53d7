"""API: the government, the two accounting matrices and the fiscal shocks of the admin endpoint."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from arena.api import create_app  # noqa: E402

ADMIN = "test-admin-key-0123456789abcdef"
A = {"X-API-Key": ADMIN}


@pytest.fixture(scope="module")
def client():
    app = create_app({"n_agents": 1500, "seed": 7}, paused=True, admin_key=ADMIN)
    with TestClient(app) as c:
        for _ in range(3):
            assert c.post("/api/admin/step", headers=A).status_code == 200
        yield c


def test_government_reads_the_public_sector_and_the_central_bank(client):
    body = client.get("/api/government").json()
    for key in ("tax_revenue", "benefits", "gov_spending", "deficit", "gov_debt", "bond_yield", "cb_bonds"):
        assert isinstance(body[key], float), key
    assert body["tax_revenue"] > 0 and body["gov_spending"] > 0 and body["gov_debt"] > 0
    assert body["bond_yield"] == pytest.approx(body["central_bank"]["policy_rate"] + 0.01)
    assert body["central_bank"]["bonds"] == pytest.approx(body["cb_bonds"])


@pytest.mark.parametrize("path, kind", [("/api/accounts/balance-sheet", "balance_sheet"),
                                        ("/api/accounts/flows", "flow_matrix")])
def test_matrices_are_served_and_close(client, path, kind):
    body = client.get(path).json()
    assert body["kind"] == kind and body["closes"] is True and body["max_residual"] <= 1e-9
    assert len(body["values"]) == len(body["rows"])
    assert all(len(r) == len(body["columns"]) for r in body["values"])
    assert "government" in body["columns"] and body["columns"][-1] == "total"


def test_admin_shock_accepts_fiscal_and_tax_and_refuses_bad_fields(client):
    before = client.get("/api/government").json()
    r = client.post("/api/admin/shock", headers=A, json={"kind": "fiscal", "size": 0.05, "duration": 10})
    assert r.status_code == 200, r.text
    r = client.post("/api/admin/shock", headers=A, json={"kind": "tax", "size": 0.05, "tax": "wage"})
    assert r.status_code == 200, r.text
    client.post("/api/admin/step", headers=A)
    after = client.get("/api/government").json()
    assert after["spending_share"] == pytest.approx(before["spending_share"] + 0.05)
    assert after["tax_wage_rate"] == pytest.approx(before["tax_wage_rate"] + 0.05)
    bad = client.post("/api/admin/shock", headers=A, json={"kind": "tax", "size": 0.05, "tax": "vat"})
    assert bad.status_code == 400 and "'tax'" in bad.text and "wage" in bad.text
    bad = client.post("/api/admin/shock", headers=A, json={"kind": "fiscal", "size": 0.9})
    assert bad.status_code == 400 and "'size'" in bad.text
