"""Reference benchmark: the M/M/c model of `npm run bench`, written the
idiomatic SimPy 3 way (Debian's python3-simpy3), to compare the kernel's
throughput with SimPy's on the same model.

Events are counted as the kernel counts them: two per request (its arrival
and its service completion). SimPy's own scheduler handles more events per
request (timeouts, resource requests and releases, process starts), reported
as simpyInternalEvents.

Usage: /usr/bin/python3 test/bench/mmc_simpy.py [--requests N] [--seed S]
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
MU = LAMBDA / (C * RHO)


def erlang_c_mean_wait(lam, mu, c):
    a = lam / mu
    term, total = 1.0, 1.0
    for k in range(1, c):
        term *= a / k
        total += term
    top = term * a / c / (1 - a / c)
    return (top / (total + top)) / (c * mu - lam)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=C)
    stats = {"wait": 0.0, "busy": 0.0, "served": 0}

    def customer():
        arrived = env.now
        with servers.request() as req:
            yield req
            stats["wait"] += env.now - arrived
            service = rng.expovariate(MU)
            yield env.timeout(service)
            stats["busy"] += service
            stats["served"] += 1

    def arrivals():
        for _ in range(args.requests):
            yield env.timeout(rng.expovariate(LAMBDA))
            env.process(customer())

    env.process(arrivals())
    t0 = time.perf_counter()
    env.run()
    wall = time.perf_counter() - t0
    n = args.requests
    print(json.dumps({
        "tool": "simpy",
        "simpyVersion": simpy.__version__,
        "python": platform.python_version(),
        "requests": n,
        "events": 2 * n,
        "simpyInternalEvents": getattr(env, "_eid", None) and next(env._eid),
        "wallMs": round(wall * 1000, 1),
        "eventsPerSec": round(2 * n / wall),
        "meanWait": stats["wait"] / stats["served"],
        "erlangCMeanWait": erlang_c_mean_wait(LAMBDA, MU, C),
        "utilisation": stats["busy"] / (C * env.now),
    }))


if __name__ == "__main__":
    main()
