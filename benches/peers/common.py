"""Shared by the peer scripts: the workloads' inputs and the timing loop."""
import statistics, time
import numpy as np


def inputs(d, covs):
    """Covariances A Aᵀ/d + I (A standard normal, seeded) and standard normal means."""
    rng = np.random.default_rng(1)
    a = rng.standard_normal((covs, d, d)).astype(np.float32)
    cov = a @ np.swapaxes(a, -1, -2) / d + np.eye(d, dtype=np.float32)
    mean = rng.standard_normal((covs, d)).astype(np.float32)
    if covs == 1:
        cov, mean = cov[0], mean[0]
    return mean, cov


def timeit(fn, reps, warmup, sync=lambda out: None):
    """Median milliseconds of `fn(i)` (then `sync(result)`) over `reps` calls after `warmup`."""
    ts = []
    for i in range(warmup + reps):
        t = time.perf_counter()
        out = fn(i)
        sync(out)
        if i >= warmup:
            ts.append((time.perf_counter() - t) * 1e3)
        del out
    return statistics.median(ts)
