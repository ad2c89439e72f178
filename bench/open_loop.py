"""Load the way visitors arrive, not the way wrk does (used by bench/traffic.py).

wrk is a closed loop: each of its N connections sends the next request the
moment the previous answer arrives, so N connections on a 2-core machine
measure throughput, and every request waits behind the N - 1 others
(p95 ≈ N / throughput, whatever the server does). People who follow a post
do not behave like that. Two honest models of "200 concurrent clients":

- `users`: N visitors, each reads a page, then thinks for a random time
  (exponential, mean `think` seconds) before the next one; the offered rate
  follows from N and the think time, and falls if the server slows down.
- `rate`: arrivals at a fixed rate (Poisson), whatever the server does, as
  a crowd from a post arrives; each request's latency is counted from the
  moment it was due, so a slow server cannot hide its queue (what wrk2 calls
  correcting coordinated omission).

Both use aiohttp on loopback, with one keep-alive connection per visitor
(`users`) or a pool of at most `connections` (`rate`); a request over
`timeout` seconds counts as a timeout. The generator runs on the same
machine as the server and takes some of its CPU.
"""

import asyncio
import random
import statistics
import time

import aiohttp


def _summary(latencies: list[float], errors: int, timeouts: int, seconds: float) -> dict:
    ordered = sorted(latencies)

    def percentile(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0.0

    return {
        "requests": len(ordered) + errors + timeouts,
        "seconds": seconds,
        "req_per_s": (len(ordered) + errors + timeouts) / seconds,
        "p50_ms": percentile(0.50),
        "p95_ms": percentile(0.95),
        "p99_ms": percentile(0.99),
        "max_ms": ordered[-1] * 1000 if ordered else 0.0,
        "mean_ms": statistics.fmean(ordered) * 1000 if ordered else 0.0,
        "errors": errors,
        "timeouts": timeouts,
    }


async def _fetch(session, url: str, due: float, timeout: float, outcome: dict) -> None:
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            await response.read()
            if response.status >= 400:
                outcome["errors"] += 1
                return
    except TimeoutError:
        outcome["timeouts"] += 1
        return
    except aiohttp.ClientError:
        outcome["errors"] += 1
        return
    outcome["latencies"].append(time.perf_counter() - due)


async def _users(base: str, paths: list[str], *, users: int, think: float, seconds: float, timeout: float) -> dict:
    outcome = {"latencies": [], "errors": 0, "timeouts": 0}
    end = time.perf_counter() + seconds

    async def visitor(rng: random.Random) -> None:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session:
            # Visitors arrive spread over one think time, not all in the same millisecond.
            await asyncio.sleep(rng.uniform(0, think))
            while (now := time.perf_counter()) < end:
                await _fetch(session, base + rng.choice(paths), now, timeout, outcome)
                await asyncio.sleep(rng.expovariate(1 / think))

    start = time.perf_counter()
    await asyncio.gather(*(visitor(random.Random(n)) for n in range(users)))
    return _summary(outcome["latencies"], outcome["errors"], outcome["timeouts"], time.perf_counter() - start)


async def _rate(base: str, paths: list[str], *, rate: float, seconds: float, timeout: float, connections: int) -> dict:
    outcome = {"latencies": [], "errors": 0, "timeouts": 0}
    rng = random.Random(1)
    tasks = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as session:
        start = time.perf_counter()
        due = start
        while due < start + seconds:
            due += rng.expovariate(rate)
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_fetch(session, base + rng.choice(paths), due, timeout, outcome)))
        await asyncio.gather(*tasks)
    return _summary(outcome["latencies"], outcome["errors"], outcome["timeouts"], seconds)


def users(base: str, paths: list[str], *, users: int, think: float, seconds: float, timeout: float = 5.0) -> dict:
    """N visitors with think time (see the module docstring)."""
    result = asyncio.run(_users(base, paths, users=users, think=think, seconds=seconds, timeout=timeout))
    return {**result, "users": users, "think_s": think}


def rate(
    base: str, paths: list[str], *, rate: float, seconds: float, timeout: float = 5.0, connections: int = 200
) -> dict:
    """Arrivals at a fixed rate (see the module docstring); at most `connections` open at once."""
    result = asyncio.run(_rate(base, paths, rate=rate, seconds=seconds, timeout=timeout, connections=connections))
    return {**result, "offered_per_s": rate}
