"""GPU peers for the log-density workloads L1-L3 (benches/logprob.rs): torch.distributions.
MultivariateNormal.log_prob (the distribution built per call, Cholesky included, and built
once) and jax.scipy.stats.multivariate_normal.logpdf (jit), on the same closed-form inputs as
ours, points on the device. Prints one JSON document with each impl's time and sum."""
import json, sys
import numpy as np
from common import timeit as _common_timeit

WORKLOADS = {"L1": (3, 10_000_000), "L2": (16, 1_000_000), "L3": (64, 1 << 18)}
REPS, WARMUP = 10, 3
LOG_2PI = 1.8378770664093453


def _timeit(fn, reps, warmup, sync):
    """As common.timeit, after one timed call: a call over 2 s is timed once more, not 13 times."""
    import time
    t = time.perf_counter()
    sync(fn(0))
    first = time.perf_counter() - t
    print(f"  first call {first * 1e3:.1f} ms", file=sys.stderr, flush=True)
    if first > 2.0:
        return _common_timeit(fn, 1, 0, sync)
    return _common_timeit(fn, reps, warmup, sync)


def inputs(n, count):
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    cov = (0.5 * np.eye(n) + 0.5 ** (np.abs(i - j) + 1)).astype(np.float32)
    mean = (0.1 * np.arange(n)).astype(np.float32)
    k = np.arange(n * count, dtype=np.uint64)
    x = ((k * np.uint64(2654435761)) % np.uint64(1 << 32)).astype(np.float64) / 4294967296.0 * 6.0 - 3.0
    return mean, cov, x.astype(np.float32).reshape(count, n)


def bench_torch(results):
    import torch
    dev = torch.device("cuda")
    sync = lambda o: torch.cuda.synchronize()
    for name, (n, count) in WORKLOADS.items():
        mean, cov, x = inputs(n, count)
        m, c, xs = (torch.from_numpy(a).to(dev) for a in (mean, cov, x))
        MVN = torch.distributions.MultivariateNormal
        out = MVN(m, covariance_matrix=c).log_prob(xs)
        total = float(out.double().sum())
        print(f"torch {name}", file=sys.stderr, flush=True)
        results.append({"impl": "torch.distributions (built per call)", "workload": name, "ms": _timeit(lambda i: MVN(m, covariance_matrix=c).log_prob(xs), REPS, WARMUP, sync), "sum": total})
        d = MVN(m, covariance_matrix=c)
        results.append({"impl": "torch.distributions (built once)", "workload": name, "ms": _timeit(lambda i: d.log_prob(xs), REPS, WARMUP, sync), "sum": total})

        # By hand: Cholesky, one triangular solve with all points as right-hand sides.
        def by_hand(i):
            L = torch.linalg.cholesky(c)
            y = torch.linalg.solve_triangular(L, (xs - m).T, upper=False)
            return -0.5 * (n * LOG_2PI + 2 * torch.log(torch.diagonal(L)).sum() + (y * y).sum(0))
        hand = float(by_hand(0).double().sum())
        results.append({"impl": "torch (cholesky + solve_triangular by hand)", "workload": name, "ms": _timeit(by_hand, REPS, WARMUP, sync), "sum": hand})


def bench_jax(results):
    import jax, jax.numpy as jnp
    f = jax.jit(jax.scipy.stats.multivariate_normal.logpdf)
    for name, (n, count) in WORKLOADS.items():
        mean, cov, x = inputs(n, count)
        m, c, xs = jnp.asarray(mean), jnp.asarray(cov), jnp.asarray(x)
        total = float(np.asarray(f(xs, m, c), dtype=np.float64).sum())
        print(f"jax {name}", file=sys.stderr, flush=True)
        results.append({"impl": "jax.scipy logpdf (jit)", "workload": name, "ms": _timeit(lambda i: f(xs, m, c), REPS, WARMUP, lambda o: o.block_until_ready()), "sum": total})


def main():
    import sys, time
    results, errors, versions = [], {}, {}
    wanted = sys.argv[1:] or ["torch", "jax"]
    for label, fn in [("jax", bench_jax), ("torch", bench_torch)]:
        if label not in wanted:
            continue
        t = time.perf_counter()
        try:
            fn(results)
            print(f"{label}: {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
            versions[label] = __import__(label).__version__
        except Exception as e:
            errors[label] = repr(e)[:300]
    print(json.dumps({"peers": results, "errors": errors, "versions": versions}))


if __name__ == "__main__":
    main()
