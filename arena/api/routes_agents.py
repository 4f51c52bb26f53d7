"""Outside agents: register, read the account, place and cancel orders, unregister."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path

from arena.api import schemas as s
from arena.api.audit import AuditedRoute
from arena.api.auth import Principal
from arena.api.deps import ERRORS, Ctx, Who, error, require_agent, require_registrar
from arena.external import OrderError

AgentId = Annotated[
    str, Path(pattern=r"^agent-[0-9]{1,15}$", description="id returned by /api/agents/register")
]
Registrar = Annotated[Principal, Depends(require_registrar)]


def account_view(model, account) -> s.Account:
    """Return the JSON view of an account."""
    price = float(model.prices["equity"])
    return s.Account(
        agent_id=account.id,
        name=account.name,
        cash=float(account.cash),
        shares=float(account.shares),
        free_cash=float(account.cash - account.reserved_cash()),
        free_shares=float(account.shares - account.reserved_shares()),
        equity_price=price,
        equity_value=float(account.shares) * price,
        orders=[s.OrderView(**vars(o)) for o in account.orders.values()],
        fills=[
            s.Fill(**{k: (float(v) if k in ("qty", "price") else v) for k, v in f.items()})
            for f in list(account.fills)[-50:]
        ],
    )


def _get(model, agent_id: str):
    try:
        return model.outside.get(agent_id)
    except KeyError:
        raise error(404, f"no agent with 'agent_id' {agent_id!r}") from None


def agents_router() -> APIRouter:
    """Routes of outside agents (see docs/api.md, "External agents")."""
    router = APIRouter(tags=["agents"], route_class=AuditedRoute)
    not_found = {404: {"model": s.ErrorResponse, "description": "unknown agent"}}
    errors = {code: {"model": s.ErrorResponse, **info} for code, info in ERRORS.items()}

    @router.post(
        "/api/agents/register",
        response_model=s.Registered,
        status_code=201,
        responses=errors,
        summary="Register an outside agent (admin or registration key); returns its key once",
    )
    async def register(who: Registrar, ctx: Ctx, body: Annotated[s.RegisterRequest | None, Body()] = None):
        body = body or s.RegisterRequest()

        def do(model):
            try:
                account = model.register_agent(body.name or "anonymous", body.endowment)
            except OrderError as exc:
                raise error(409 if "already registered" in str(exc) else 400, str(exc)) from None
            key = ctx.keys.issue(account.id)
            return s.Registered(
                agent_id=account.id,
                api_key=key,
                endowment=body.endowment,
                account=account_view(model, account),
            )

        return await ctx.sim.mutate(do)

    @router.get(
        "/api/agents/{agent_id}",
        response_model=s.Account,
        responses={**errors, **not_found},
        summary="An agent's cash, shares, resting orders and fills (its own key or admin)",
    )
    async def account(agent_id: AgentId, who: Who, ctx: Ctx):
        require_agent(agent_id, who)
        return await ctx.sim.read(lambda model: account_view(model, _get(model, agent_id)))

    @router.post(
        "/api/agents/{agent_id}/action",
        response_model=s.ActionResult,
        responses={
            **errors,
            **not_found,
            400: {"model": s.ErrorResponse, "description": "refused by the account check"},
        },
        summary="Place or cancel an equity limit order (within free cash and shares)",
    )
    async def action(body: s.Action, agent_id: AgentId, who: Who, ctx: Ctx):
        require_agent(agent_id, who)

        def do(model):
            account = _get(model, agent_id)
            try:
                if body.type == "place":
                    order = model.outside.place(agent_id, body.side, body.qty, body.limit, model.tick)
                else:
                    order = model.outside.cancel(agent_id, body.order_id)
            except OrderError as exc:
                if ctx.metrics is not None:
                    ctx.metrics.order(body.type, accepted=False)
                raise error(400, str(exc)) from None
            if ctx.metrics is not None:
                ctx.metrics.order(body.type, accepted=True)
            return s.ActionResult(
                action=body.type, order=s.OrderView(**vars(order)), account=account_view(model, account)
            )

        return await ctx.sim.mutate(do)

    @router.delete(
        "/api/agents/{agent_id}",
        response_model=s.Settlement,
        responses={**errors, **not_found},
        summary="Unregister: shares sold to the central bank at the last price, cash removed",
    )
    async def unregister(agent_id: AgentId, who: Who, ctx: Ctx):
        require_agent(agent_id, who)

        def do(model):
            _get(model, agent_id)
            settlement = model.unregister_agent(agent_id)
            ctx.keys.revoke(agent_id)
            ctx.agent_limiter.forget(agent_id)
            return s.Settlement(**settlement)

        return await ctx.sim.mutate(do)

    return router
