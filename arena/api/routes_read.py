"""Public reads: health, indicators, markets, psychology, money, scarcity, firms, history, events."""

import time
from enum import Enum
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Depends, Path, Query, Request

from arena.api import schemas as s
from arena.api.deps import ERRORS, Ctx, cached, field_error, principal, stamp
from arena.api.settings import ApiSettings
from arena.api.ws import iso, jsonable
from arena.events import EVENT_TYPES, UPDATE_TYPES
from arena.indicators import COLUMNS, MARKET_STATS, MARKETS
from arena.scarcity import RESOURCE_NAMES

MarketId = Enum("MarketId", {m: m for m in MARKETS}, type=str)
Indicator = Enum("Indicator", {c: c for c in COLUMNS if c != "tick"}, type=str)
StoredEventType = Enum("StoredEventType", {t: t for t in EVENT_TYPES if t not in UPDATE_TYPES}, type=str)

FromTick = Annotated[int | None, Query(alias="from", ge=0, le=2**53, description="first tick")]
ToTick = Annotated[int | None, Query(alias="to", ge=0, le=2**53, description="last tick")]

PSYCHOLOGY = [f for f in s.Psychology.model_fields if f not in s.Stamped.model_fields]
MONETARY = [f for f in s.Monetary.model_fields if f not in s.Stamped.model_fields]
CREDIT = [f for f in s.Banks.model_fields if f not in s.Stamped.model_fields and f != "banks"]


def _book_levels(book, price: float, levels: int) -> tuple[list[dict], list[dict]]:
    """Best ``levels`` bid levels at or below ``price`` and ask levels at or above it."""
    if book is None:
        return [], []
    prices = book.grid.prices
    bid_idx = np.flatnonzero((book.bids > 0) & (prices <= price))[::-1][:levels]
    ask_idx = np.flatnonzero((book.asks > 0) & (prices >= price))[:levels]
    return (
        [{"price": float(prices[i]), "volume": float(book.bids[i])} for i in bid_idx],
        [{"price": float(prices[i]), "volume": float(book.asks[i])} for i in ask_idx],
    )


def _copy_events(log) -> list:
    """Copy the event log while a tick may be appending to it in the worker thread."""
    for _ in range(10):
        try:
            return list(log)  # a C-level copy; retried if a tick appended in between
        except RuntimeError:  # "deque mutated during iteration"
            continue
    return []


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

    @router.get("/api/banks", response_model=s.Banks, summary="Credit aggregates and every bank")
    async def banks(request: Request, ctx: Ctx):
        def build() -> bytes:
            snap = ctx.sim.snapshot
            values = {k: snap.current.get(k) for k in CREDIT}
            rows = [{k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()}
                    for row in snap.banks]
            return s.Banks(**values, banks=rows, **stamp(ctx)).model_dump_json().encode()

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

    @router.get("/api/firms", response_model=s.Firms, summary="Firms: sizes, markups, defaults, entries")
    async def firms(request: Request, ctx: Ctx):
        def build() -> bytes:
            return s.Firms(**ctx.sim.snapshot.firms, **stamp(ctx)).model_dump_json().encode()

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
            snap = ctx.sim.snapshot
            stats = snap.markets[name]
            bids, asks = _book_levels(snap.books.get(name), stats["price"], levels)
            ticks, cols, _ = ctx.sim.series([f"price_{name}", f"volume_{name}"], None, None, trades)
            recent = [
                s.Trade(tick=t, price=p, volume=v)
                for t, p, v in zip(ticks, cols[f"price_{name}"], cols[f"volume_{name}"], strict=True)
            ]
            out = s.Market(
                market=name,
                open_to_agents=name == "equity",
                bids=bids,
                asks=asks,
                recent_trades=recent,
                tick=snap.tick,
                time=iso(snap.time),
                **{k: stats.get(k) for k in ("bid", "ask") + MARKET_STATS},
            )
            return out.model_dump_json().encode()

        return await cached(request, ctx, build)

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
            ticks, cols, truncated = ctx.sim.series([name], start, end, limit)
            unit, meaning = COLUMNS[name]
            out = s.History(
                indicator=name,
                unit=unit,
                description=meaning,
                count=len(ticks),
                truncated=truncated,
                ticks=ticks,
                values=cols[name],
            )
            return out.model_dump_json().encode()

        return await cached(request, ctx, build)

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
            last = ctx.sim.snapshot.tick if end is None else min(end, ctx.sim.snapshot.tick)
            stored = _copy_events(log)
            rows = [
                e
                for e in stored
                if (wanted is None or e.type == wanted)
                and (start is None or e.tick >= start)
                and e.tick <= last
            ][-limit:]
            out = s.Events(
                count=len(rows),
                dropped=log.dropped,
                events=[  # outside agents under pseudonyms (arena/api/audit.py)
                    s.EventOut(tick=e.tick, type=e.type, payload=jsonable(ctx.pseudonyms.public(e.payload)))
                    for e in rows
                ],
            )
            return out.model_dump_json().encode()

        return await cached(request, ctx, build)

    return router
