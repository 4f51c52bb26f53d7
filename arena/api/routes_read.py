"""Public reads: health, indicators, markets, psychology, money, scarcity, history, events."""

import time
from bisect import bisect_left, bisect_right
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from arena.api import schemas as s
from arena.api.deps import ERRORS, Ctx, cached, field_error, principal, stamp
from arena.api.settings import ApiSettings
from arena.api.ws import iso, jsonable
from arena.events import EVENT_TYPES, UPDATE_TYPES
from arena.indicators import COLUMNS, MARKETS
from arena.scarcity import RESOURCE_NAMES

MarketId = Enum("MarketId", {m: m for m in MARKETS}, type=str)
Indicator = Enum("Indicator", {c: c for c in COLUMNS if c != "tick"}, type=str)
StoredEventType = Enum("StoredEventType", {t: t for t in EVENT_TYPES if t not in UPDATE_TYPES}, type=str)

FromTick = Annotated[int | None, Query(alias="from", ge=0, le=2**53, description="first tick")]
ToTick = Annotated[int | None, Query(alias="to", ge=0, le=2**53, description="last tick")]

PSYCHOLOGY = [f for f in s.Psychology.model_fields if f not in s.Stamped.model_fields]
MONETARY = [f for f in s.Monetary.model_fields if f not in s.Stamped.model_fields]


def _book_levels(model, market: str, levels: int) -> tuple[list[dict], list[dict]]:
    book = model.order_book(market)
    price = model.market_stats[market]["price"]
    bids = book[(book.bid_volume > 0) & (book.price <= price)].sort_values("price", ascending=False)
    asks = book[(book.ask_volume > 0) & (book.price >= price)].sort_values("price")
    return (
        [
            {"price": float(p), "volume": float(v)}
            for p, v in zip(bids.price[:levels], bids.bid_volume[:levels], strict=True)
        ],
        [
            {"price": float(p), "volume": float(v)}
            for p, v in zip(asks.price[:levels], asks.ask_volume[:levels], strict=True)
        ],
    )


def _range(ticks: list, start: int | None, end: int | None, limit: int) -> tuple[int, int, bool]:
    lo = bisect_left(ticks, start) if start is not None else 0
    hi = bisect_right(ticks, end) if end is not None else len(ticks)
    truncated = hi - lo > limit
    return max(lo, hi - limit), hi, truncated


def read_router(settings: ApiSettings) -> APIRouter:
    """Routes that need no key (rate-limited per agent when an agent key is sent)."""
    router = APIRouter(
        tags=["state"],
        dependencies=[Depends(principal)],
        responses={code: {"model": s.ErrorResponse, **ERRORS[code]} for code in (401, 429)},
    )

    @router.get("/api/health", response_model=s.Health, summary="Liveness")
    async def health(ctx: Ctx):
        sim = ctx.sim
        return s.Health(
            status="error" if sim.last_error else "ok",
            running=sim.running,
            uptime_s=time.time() - sim.started,
            last_error=sim.last_error,
            **stamp(ctx),
        )

    @router.get("/api/indicators", response_model=s.Indicators, summary="Latest value of every indicator")
    async def indicators(request: Request, ctx: Ctx):
        def build() -> bytes:
            snap = ctx.sim.snapshot
            return (
                s.Indicators(running=ctx.sim.running, values=snap.current, **stamp(ctx))
                .model_dump_json()
                .encode()
            )

        return await cached(request, ctx, build)

    @router.get("/api/psychology", response_model=s.Psychology, summary="Sentiment, fear, greed, herding")
    async def psychology(request: Request, ctx: Ctx):
        def build() -> bytes:
            cur = ctx.sim.snapshot.current
            return (
                s.Psychology(**{k: cur.get(k) for k in PSYCHOLOGY}, **stamp(ctx)).model_dump_json().encode()
            )

        return await cached(request, ctx, build)

    @router.get("/api/monetary", response_model=s.Monetary, summary="Prices, money and policy")
    async def monetary(request: Request, ctx: Ctx):
        def build() -> bytes:
            cur = ctx.sim.snapshot.current
            values = {k: cur.get(k) for k in MONETARY}
            values["tightening"] = bool(values["tightening"])
            values["qe"] = bool(values["qe"])
            return s.Monetary(**values, **stamp(ctx)).model_dump_json().encode()

        return await cached(request, ctx, build)

    @router.get("/api/scarcity", response_model=s.Scarcity, summary="Reserves, scarcity and multipliers")
    async def scarcity(request: Request, ctx: Ctx):
        def build() -> bytes:
            cur = ctx.sim.snapshot.current
            resources = {
                r: s.Resource(
                    reserves=cur.get(f"reserves_{r}"),
                    scarcity=cur.get(f"scarcity_{r}"),
                    price_multiplier=cur.get(f"price_multiplier_{r}"),
                    price=cur.get(f"price_{r}"),
                    volume=cur.get(f"volume_{r}"),
                )
                for r in RESOURCE_NAMES
            }
            return s.Scarcity(resources=resources, **stamp(ctx)).model_dump_json().encode()

        return await cached(request, ctx, build)

    @router.get("/api/markets", response_model=s.Markets, summary="Every market and its price")
    async def markets(ctx: Ctx):
        snap = ctx.sim.snapshot
        return s.Markets(markets={m: snap.markets[m]["price"] for m in MARKETS}, **stamp(ctx))

    @router.get(
        "/api/markets/{market_id}",
        response_model=s.Market,
        summary="Price, spread, depth, volume, book levels and recent clearings of a market",
    )
    async def market(
        request: Request,
        ctx: Ctx,
        market_id: Annotated[MarketId, Path(description="market name")],
        levels: Annotated[int, Query(ge=1, le=100, description="book levels per side")] = 10,
        trades: Annotated[int, Query(ge=1, le=500, description="recent clearings")] = 20,
    ):
        name = market_id.value

        def build() -> bytes:
            model = ctx.sim.model
            stats = model.market_stats[name]
            bids, asks = _book_levels(model, name, levels) if name in model.books else ([], [])
            columns = model.datacollector.model_vars
            ticks = columns.get("tick", [])
            lo = max(0, len(ticks) - trades)
            recent = [
                s.Trade(tick=t, price=p, volume=v)
                for t, p, v in zip(
                    ticks[lo:],
                    columns.get(f"price_{name}", [])[lo:],
                    columns.get(f"volume_{name}", [])[lo:],
                    strict=False,
                )
            ]
            out = s.Market(
                market=name,
                open_to_agents=name == "equity",
                bids=bids,
                asks=asks,
                recent_trades=recent,
                tick=model.tick,
                time=iso(ctx.sim.snapshot.time),
                **{
                    k: stats.get(k)
                    for k in (
                        "price",
                        "bid",
                        "ask",
                        "spread",
                        "depth_bid",
                        "depth_ask",
                        "volume",
                        "consumer_surplus",
                        "producer_surplus",
                        "elasticity",
                    )
                },
            )
            return out.model_dump_json().encode()

        return await cached(request, ctx, build, locked=True)

    @router.get(
        "/api/history/{indicator}",
        response_model=s.History,
        summary="Time series of an indicator (the newest `limit` points in [from, to])",
    )
    async def history(
        request: Request,
        ctx: Ctx,
        indicator: Annotated[Indicator, Path(description="indicator column")],
        start: FromTick = None,
        end: ToTick = None,
        limit: Annotated[
            int, Query(ge=1, le=settings.max_history_points, description="most points returned")
        ] = min(1000, settings.max_history_points),
    ):
        if start is not None and end is not None and start > end:
            raise field_error(("query", "from"), f"'from' ({start}) must not be after 'to' ({end})", start)
        name = indicator.value

        def build() -> bytes:
            columns = ctx.sim.model.datacollector.model_vars
            ticks = columns.get("tick", [])
            lo, hi, truncated = _range(ticks, start, end, limit)
            unit, meaning = COLUMNS[name]
            out = s.History(
                indicator=name,
                unit=unit,
                description=meaning,
                count=hi - lo,
                truncated=truncated,
                ticks=ticks[lo:hi],
                values=columns[name][lo:hi],
            )
            return out.model_dump_json().encode()

        return await cached(request, ctx, build, locked=True)

    @router.get(
        "/api/events",
        response_model=s.Events,
        summary="Stored notable events (discoveries, catastrophes, policy, panics...), oldest first",
    )
    async def events(
        request: Request,
        ctx: Ctx,
        type: Annotated[StoredEventType | None, Query(description="keep only this event type")] = None,
        start: FromTick = None,
        end: ToTick = None,
        limit: Annotated[
            int, Query(ge=1, le=settings.max_events, description="most events returned (the newest)")
        ] = min(100, settings.max_events),
    ):
        if start is not None and end is not None and start > end:
            raise field_error(("query", "from"), f"'from' ({start}) must not be after 'to' ({end})", start)
        wanted = type.value if type is not None else None

        def build() -> bytes:
            log = ctx.sim.model.event_log
            rows = [
                e
                for e in log
                if (wanted is None or e.type == wanted)
                and (start is None or e.tick >= start)
                and (end is None or e.tick <= end)
            ][-limit:]
            out = s.Events(
                count=len(rows),
                dropped=log.dropped,
                events=[s.EventOut(tick=e.tick, type=e.type, payload=jsonable(e.payload)) for e in rows],
            )
            return out.model_dump_json().encode()

        return await cached(request, ctx, build, locked=True)

    return router
