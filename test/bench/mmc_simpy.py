"""Reference benchmark: the M/M/c model of `npm run bench`, written the
idiomatic SimPy 3 way (Debian's python3-simpy3, 3.0.11), to compare the
kernel's throughput with SimPy's on the same model.

Model: Poisson arrivals at LAMBDA = 1000/s, exponential service at
MU = LAMBDA / (C * RHO) = 156.25/s (mean 6.4 ms), C = 8 FIFO servers
(a simpy.Resource), utilisation RHO = 0.8. Draws come from random.Random(seed).

Events are counted the way our kernel counts them: two per request (its
arrival and its service completion), so "events" = 2 * requests. SimPy's own
scheduler handles more events per request (arrival timeout, process start,
resource request, service timeout, release, process end); the number it
scheduled is reported as simpyInternalEvents (read from env._eid, SimPy's
event-id counter, after the run, so it costs nothing during the run).

Usage: /usr/bin/python3 test/bench/mmc_simpy.py [--requests N] [--seed S]
Prints one JSON line to stdout.
"""
import argparse
import json
import platform
import random
import time

import simpy

LAMBDA = 1000.0
C = 8
RHO = 0.8
MU = LAMBDA / (C * RHO)  # 156.25/s


def erlang_c_mean_wait(lam, mu, c):
    """Analytic M/M/c mean queueing delay: ErlangC(c, a) / (c*mu - lam)."""
    a = lam / mu
    term, total = 1.0, 1.0  # a^k/k!, sum over k = 0..c-1
    for k in range(1, c):
        term *= a / k
        total += term
    top = term * a / c / (1.0 - a / c)  # a^c/c! * 1/(1-rho)
    return (top / (total + top)) / (c * mu - lam)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    n = args.requests

    rng = random.Random(args.seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=C)
    stats = {"wait": 0.0, "busy": 0.0, "served": 0}

    def customer():
        arrived = env.now
        with servers.request() as req:  # released on leaving the block
            yield req
            stats["wait"] += env.now - arrived
            service = rng.expovariate(MU)
            yield env.timeout(service)
            stats["busy"] += service
            stats["served"] += 1

    def arrivals():
        for _ in range(n):  # stop generating after N arrivals
            yield env.timeout(rng.expovariate(LAMBDA))
            env.process(customer())

    env.process(arrivals())
    t0 = time.perf_counter()
    env.run()  # until the schedule is empty: every request served
    wall = time.perf_counter() - t0

    assert stats["served"] == n
    eid = getattr(env, "_eid", None)
    print(json.dumps({
        "tool": "simpy",
        "simpyVersion": simpy.__version__,
        "python": platform.python_version(),
        "requests": n,
        "events": 2 * n,
        "simpyInternalEvents": next(eid) if eid is not None else None,
        "wallMs": round(wall * 1000, 1),
        "eventsPerSec": round(2 * n / wall),
        "meanWait": stats["wait"] / n,
        "erlangCMeanWait": erlang_c_mean_wait(LAMBDA, MU, C),
        "utilisation": stats["busy"] / (C * env.now),
    }))


if __name__ == "__main__":
    main()
