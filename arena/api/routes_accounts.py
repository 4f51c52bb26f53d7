"""Public reads of the public sector and the accounts: government, balance sheet, flow matrix."""

import time
from typing import Any, Callable

import numpy as np
from fastapi import APIRouter, Depends, Request, Response

from arena import accounting
from arena.api import schemas as s
from arena.api.deps import ERRORS, Ctx, principal
from arena.api.ws import iso

GOVERNMENT = ("tax_revenue", "benefits", "gov_spending", "deficit", "gov_debt", "bond_yield", "cb_bonds")


async def _read_cached(request: Request, ctx: Ctx, fn: Callable[[Any], bytes]) -> Response:
    """Serve from the cache, or build under the model's lock (these reads are not in the snapshot)."""
    key = request.url.path + "?" + request.url.query
    version = ctx.sim.version
    body = ctx.cache.get(key, version)
    if body is not None:
        return Response(body, media_type="application/json", headers={"X-Cache": "hit"})
    body = await ctx.sim.read(fn)
    ctx.cache.put(key, version, body)
    return Response(body, media_type="application/json", headers={"X-Cache": "miss"})


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _matrix(model, frame, kind: str) -> bytes:
    values = frame.drop(columns="total")
    if kind == "balance_sheet":
        scale = float(np.abs(values.to_numpy(dtype=float)).max()) if values.size else 0.0
        worst = max(accounting.row_residuals(frame, floor=1e-5 * scale).values(), default=0.0)
        description = ("Godley-Lavoie balance-sheet matrix: instruments x sectors, assets +, liabilities -; "
                       "financial rows and every column sum to zero")
    else:
        scale = float(np.abs(model.balance_sheet().drop(columns="total").to_numpy(dtype=float)).max())
        rows, cols = accounting.flow_residuals(frame, scale)
        worst = max(list(rows.values()) + list(cols.values()), default=0.0)
        description = ("transactions-flow matrix of the last tick: transactions x sector accounts, "
                       "sources +, uses -; Δ rows are the capital account; every row and column sums to zero")
    out = s.Matrix(
        kind=kind, unit="currency" if kind == "balance_sheet" else "currency/tick", description=description,
        rows=[str(r) for r in frame.index], columns=[str(c) for c in frame.columns],
        values=[[_finite(v) for v in row] for row in frame.to_numpy(dtype=float)],
        max_residual=worst, closes=worst <= accounting.RELATIVE_TOLERANCE,
        tick=model.tick, time=iso(time.time()),
    )
    return out.model_dump_json().encode()


def accounts_router() -> APIRouter:
    """Routes that need no key: the government and the two accounting matrices."""
    router = APIRouter(
        tags=["accounts"],
        dependencies=[Depends(principal)],
        responses={code: {"model": s.ErrorResponse, **ERRORS[code]} for code in (401, 429)},
    )

    @router.get("/api/government", response_model=s.Government,
                summary="Taxes, benefits, purchases, deficit, debt; the central bank's balance sheet")
    async def government(request: Request, ctx: Ctx):
        def build(m) -> bytes:
            gov, cb, banks = m.government, m.central_bank, m.banking.banks
            cur = m.current
            tick = m.tick
            central = {
                "bonds": cb.bonds, "advances": float(banks.advances.sum()),
                "equity_shares": cb.shares, "reserves": float(banks.reserves.sum()),
                "government_deposits": gov.deposits, "policy_rate": cb.policy_rate,
                "qe": bool(cb.qe), "tightening": bool(cb.tightening),
            }
            out = s.Government(
                **{k: _finite(cur.get(k, float("nan"))) for k in GOVERNMENT},
                deposits=gov.deposits, tax_wage_rate=gov.wage_tax_rate(tick),
                tax_profit_rate=gov.profit_tax_rate(tick), spending_share=gov.spending_share(tick),
                benefit_replacement=m.config.benefit_replacement, active_shocks=len(gov.shocks),
                central_bank=central, tick=tick, time=iso(time.time()),
            )
            return out.model_dump_json().encode()

        return await _read_cached(request, ctx, build)

    @router.get("/api/accounts/balance-sheet", response_model=s.Matrix,
                summary="Balance-sheet matrix now (Godley-Lavoie): instruments x sectors")
    async def balance_sheet(request: Request, ctx: Ctx):
        return await _read_cached(request, ctx, lambda m: _matrix(m, m.balance_sheet(), "balance_sheet"))

    @router.get("/api/accounts/flows", response_model=s.Matrix,
                summary="Transactions-flow matrix of the last tick (Godley-Lavoie)")
    async def flows(request: Request, ctx: Ctx):
        return await _read_cached(request, ctx, lambda m: _matrix(m, m.flow_matrix(), "flow_matrix"))

    return router
