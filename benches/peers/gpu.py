"""GPU peers for WORKLOADS.md W1-W4 on one CUDA device: JAX (cholesky, jit), PyTorch (cholesky +
randn + addmm by hand, and torch.distributions), CuPy. Same inputs as ours: covariances
A Aᵀ/d + I with A standard normal (seeded), means standard normal. Each timing is a whole call
(factorization included), synchronized; median of `reps` after `warmup`. Prints one JSON document."""
import json
import numpy as np
from common import inputs, timeit as _timeit

WORKLOADS = {"W1": (3, (1 << 24,), 1), "W2": (64, (1 << 20,), 1), "W3": (512, (1 << 16,), 1), "W4": (8, (64, 16384), 16384)}
REPS, WARMUP = 10, 3


def timeit(fn, sync):
    return _timeit(fn, REPS, WARMUP, sync)


def bench_jax(results, precision):
    import jax, jax.numpy as jnp
    jax.config.update("jax_default_matmul_precision", precision)
    for name, (d, shape, covs) in WORKLOADS.items():
        mean, cov = inputs(d, covs)
        m, c = jnp.asarray(mean), jnp.asarray(cov)
        f = jax.jit(lambda k, m, c: jax.random.multivariate_normal(k, m, c, shape=shape, method="cholesky"))
        keys = [jax.random.key(i) for i in range(WARMUP + REPS)]
        results.append({"impl": f"jax ({precision})", "workload": name, "ms": timeit(lambda i: f(keys[i], m, c), lambda o: o.block_until_ready())})


def bench_torch(results):
    import torch
    dev = torch.device("cuda")
    sync = lambda o: torch.cuda.synchronize()
    for name, (d, shape, covs) in WORKLOADS.items():
        mean, cov = inputs(d, covs)
        m, c = torch.from_numpy(mean).to(dev), torch.from_numpy(cov).to(dev)
        if covs == 1:
            def f(i):
                L = torch.linalg.cholesky(c)
                z = torch.randn(shape[0], d, device=dev)
                return torch.addmm(m, z, L.T)
        else:
            def f(i):
                L = torch.linalg.cholesky(c)                      # (covs, d, d)
                z = torch.randn(*shape, d, device=dev)            # (64, covs, d)
                return m + torch.einsum("cij,scj->sci", L, z)
        results.append({"impl": "torch (cholesky+randn+addmm)", "workload": name, "ms": timeit(f, sync)})
        g = lambda i: torch.distributions.MultivariateNormal(m, covariance_matrix=c).rsample(shape[:1] if covs == 1 else shape[:1])
        results.append({"impl": "torch.distributions", "workload": name, "ms": timeit(g, sync)})


def bench_cupy(results):
    import cupy
    sync = lambda o: cupy.cuda.Device().synchronize()
    for name, (d, shape, covs) in WORKLOADS.items():
        if covs > 1:
            continue
        mean, cov = inputs(d, covs)
        m, c = cupy.asarray(mean), cupy.asarray(cov)
        rs = cupy.random.RandomState(0)
        results.append({"impl": "cupy", "workload": name, "ms": timeit(lambda i: rs.multivariate_normal(m, c, shape, method="cholesky", dtype=np.float32), sync)})


def versions():
    v = {}
    for mod in ["jax", "torch", "cupy", "numpy"]:
        try:
            v[mod] = __import__(mod).__version__
        except Exception:
            pass
    return v


def main():
    results, errors = [], {}
    for label, fn in [("jax", lambda r: bench_jax(r, "default")), ("jax-highest", lambda r: bench_jax(r, "highest")), ("torch", bench_torch), ("cupy", bench_cupy)]:
        try:
            fn(results)
        except Exception as e:  # a missing peer is reported, not fatal
            errors[label] = repr(e)[:300]
    print(json.dumps({"peers": results, "errors": errors, "versions": versions()}))


if __name__ == "__main__":
    main()
