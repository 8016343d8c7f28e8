"""CPU peers for WORKLOADS.md C1-C4: MLX (CPU stream), NumPy (Generator.multivariate_normal,
cholesky) and JAX on the CPU (cholesky, jit). Same inputs as ours: covariances A Aᵀ/d + I with A
standard normal (seeded), means standard normal. Whole calls (factorization included), median of
`reps` after `warmup`. Prints one JSON document."""
import json
import numpy as np
from common import inputs, timeit as _timeit

WORKLOADS = {"C1": (3, (1 << 20,), 1), "C2": (64, (1 << 16,), 1), "C3": (512, (1 << 12,), 1), "C4": (8, (16, 4096), 4096)}
REPS, WARMUP = 5, 2


def timeit(fn):
    return _timeit(fn, REPS, WARMUP)


def bench_mlx(results):
    import mlx.core as mx
    for name, (d, shape, covs) in WORKLOADS.items():
        mean, cov = inputs(d, covs)
        m, c = mx.array(mean), mx.array(cov)
        keys = [mx.random.key(i) for i in range(WARMUP + REPS)]
        f = lambda i: mx.eval(mx.random.multivariate_normal(m, c, shape=shape, key=keys[i], stream=mx.cpu))
        results.append({"impl": "mlx (cpu)", "workload": name, "ms": timeit(f)})


def bench_numpy(results):
    for name, (d, shape, covs) in WORKLOADS.items():
        if covs > 1:
            continue
        mean, cov = inputs(d, covs)
        g = np.random.default_rng(0)
        results.append({"impl": "numpy", "workload": name, "ms": timeit(lambda i: g.multivariate_normal(mean, cov, size=shape, method="cholesky"))})


def bench_jax(results):
    import jax, jax.numpy as jnp
    jax.config.update("jax_platform_name", "cpu")
    for name, (d, shape, covs) in WORKLOADS.items():
        mean, cov = inputs(d, covs)
        m, c = jnp.asarray(mean), jnp.asarray(cov)
        f = jax.jit(lambda k, m, c: jax.random.multivariate_normal(k, m, c, shape=shape, method="cholesky"))
        keys = [jax.random.key(i) for i in range(WARMUP + REPS)]
        results.append({"impl": "jax (cpu)", "workload": name, "ms": timeit(lambda i: f(keys[i], m, c).block_until_ready())})


def versions():
    v = {}
    for mod in ["mlx", "numpy", "jax"]:
        try:
            m = __import__(mod)
            v[mod] = getattr(m, "__version__", None) or __import__(mod + ".core").core.__version__
        except Exception:
            pass
    return v


def main():
    results, errors = [], {}
    for label, fn in [("mlx", bench_mlx), ("numpy", bench_numpy), ("jax", bench_jax)]:
        try:
            fn(results)
        except Exception as e:
            errors[label] = repr(e)[:300]
    print(json.dumps({"peers": results, "errors": errors, "versions": versions()}))


if __name__ == "__main__":
    main()
