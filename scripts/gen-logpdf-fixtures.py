"""The log-density oracle: SciPy's multivariate_normal.logpdf on random cases, written to
tests/fixtures/logpdf.json (run with a Python that has SciPy:
python3 scripts/gen-logpdf-fixtures.py). Means and covariances are float32 values (the
library's input type), given to SciPy in float64; points are float64."""
import json
import numpy as np
import scipy
from scipy.stats import multivariate_normal

rng = np.random.default_rng(20261202)
cases = []


def spd(n, cond=10.0):
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    eig = np.geomspace(1.0, 1.0 / cond, n) * rng.uniform(0.5, 2.0)
    c = (q * eig) @ q.T
    return ((c + c.T) / 2).astype(np.float32)


def add(name, mean, cov, x, method="cholesky", allow_singular=False):
    m64, c64 = mean.astype(np.float64), cov.astype(np.float64)
    batch = np.broadcast_shapes(x.shape[:-1], mean.shape[:-1], cov.shape[:-2])
    xb = np.broadcast_to(x, batch + x.shape[-1:])
    mb = np.broadcast_to(m64, batch + mean.shape[-1:])
    cb = np.broadcast_to(c64, batch + cov.shape[-2:])
    flat = [multivariate_normal.logpdf(xi, mi, ci, allow_singular=allow_singular) for xi, mi, ci in zip(xb.reshape(-1, x.shape[-1]), mb.reshape(-1, mean.shape[-1]), cb.reshape(-1, *cov.shape[-2:]))]
    # At the points rounded to float32 (the npm package's inputs are float32).
    x32 = xb.astype(np.float32).astype(np.float64)
    flat32 = [multivariate_normal.logpdf(xi, mi, ci, allow_singular=allow_singular) for xi, mi, ci in zip(x32.reshape(-1, x.shape[-1]), mb.reshape(-1, mean.shape[-1]), cb.reshape(-1, *cov.shape[-2:]))]
    cases.append({
        "name": name, "method": method, "allow_singular": allow_singular,
        "mean": {"shape": list(mean.shape), "data": [float(v) for v in mean.ravel()]},
        "cov": {"shape": list(cov.shape), "data": [float(v) for v in cov.ravel()]},
        "x": {"shape": list(x.shape), "data": [float(v) for v in x.ravel()]},
        "expected": {"shape": list(batch), "data": [float(v) if np.isfinite(v) else None for v in flat]},
        "expected_f32x": [float(v) if np.isfinite(v) else None for v in flat32],
        # SciPy's entropy of each covariance of cov's batch (broadcast with mean's in the test).
        "entropy": [float(multivariate_normal(None, ci, allow_singular=allow_singular).entropy()) for ci in c64.reshape(-1, *cov.shape[-2:])],
    })


for n in [1, 2, 3, 5, 8, 17, 40]:
    for method in ["cholesky", "eigh", "svd"]:
        mean = rng.standard_normal(n).astype(np.float32)
        cov = spd(n, cond=rng.choice([2.0, 30.0, 1000.0]))
        x = mean + rng.standard_normal((7, n)) @ np.linalg.cholesky(cov.astype(np.float64)).T * rng.choice([0.5, 1.0, 3.0])
        add(f"n={n} {method}", mean, cov, x, method)
# Batches that broadcast: x (4, 1, n) against mean (3, n) and cov (3, n, n).
n = 4
means = rng.standard_normal((3, n)).astype(np.float32)
covs = np.stack([spd(n) for _ in range(3)])
add("batched broadcast", means, covs, rng.standard_normal((4, 1, n)))
# Singular covariances (rank r < n): points on the support and off it.
for n, r in [(2, 1), (4, 2), (6, 5)]:
    for method in ["cholesky", "eigh"]:
        a = rng.integers(-3, 4, (n, r)).astype(np.float64)  # integers: A Aᵀ is exact in float32
        cov = (a @ a.T).astype(np.float32)
        mean = rng.standard_normal(n).astype(np.float32)
        on = mean + rng.standard_normal((5, r)) @ a.T
        null = np.linalg.svd(a, full_matrices=True)[0][:, r:]
        off = on[:2] + null[:, 0] * 1.0
        add(f"singular n={n} rank={r} {method}", mean, cov, np.concatenate([on, off]), method, allow_singular=True)

# From a precision matrix P (float32): SciPy with cov = inv(P) in float64.
precision_cases = []
for n in [1, 3, 6, 12]:
    p = spd(n, cond=50.0)
    mean = rng.standard_normal(n).astype(np.float32)
    cov = np.linalg.inv(p.astype(np.float64))
    x = mean + rng.standard_normal((6, n)) @ np.linalg.cholesky(cov).T
    precision_cases.append({
        "name": f"precision n={n}",
        "mean": {"shape": [n], "data": [float(v) for v in mean]},
        "precision": {"shape": [n, n], "data": [float(v) for v in p.ravel()]},
        "x": {"shape": [6, n], "data": [float(v) for v in x.ravel()]},
        "expected": [float(v) for v in multivariate_normal.logpdf(x, mean.astype(np.float64), cov)],
        "cov": [float(v) for v in cov.ravel()],
    })

# Conditioning (NumPy, float64 Schur complements): mean (n,), cov (n, n), observed indices and
# values (b, k): the conditional means (b, n - k) and covariance (n - k, n - k).
condition_cases = []
for n, idx in [(2, [0]), (3, [2]), (5, [1, 3]), (8, [7, 0, 4])]:
    cov = spd(n, cond=20.0)
    mean = rng.standard_normal(n).astype(np.float32)
    vals = rng.standard_normal((3, len(idx)))
    rest = [i for i in range(n) if i not in idx]
    c64, m64 = cov.astype(np.float64), mean.astype(np.float64)
    a = c64[np.ix_(rest, idx)] @ np.linalg.inv(c64[np.ix_(idx, idx)])
    cond_mean = m64[rest] + (vals - m64[idx]) @ a.T
    cond_cov = c64[np.ix_(rest, rest)] - a @ c64[np.ix_(idx, rest)]
    condition_cases.append({
        "name": f"condition n={n} on {idx}", "indices": idx,
        "mean": {"shape": [n], "data": [float(v) for v in mean]},
        "cov": {"shape": [n, n], "data": [float(v) for v in cov.ravel()]},
        "values": {"shape": [3, len(idx)], "data": [float(v) for v in vals.ravel()]},
        "expected_mean": {"shape": list(cond_mean.shape), "data": [float(v) for v in cond_mean.ravel()]},
        "expected_cov": {"shape": list(cond_cov.shape), "data": [float(v) for v in cond_cov.ravel()]},
    })

# Low rank plus diagonal (torch's LowRankMultivariateNormal): cov = W Wᵀ + diag(d) formed in
# float64 from float32 W and d, given to SciPy; points float32. Rank 0 is the diagonal case.
low_rank_cases = []
for n, r, batch in [(1, 1, []), (3, 0, []), (4, 2, []), (16, 3, []), (40, 5, []), (5, 2, [3])]:
    mean = rng.standard_normal(batch + [n]).astype(np.float32)
    w = (rng.standard_normal(batch + [n, r]) * 0.7).astype(np.float32)
    d = rng.uniform(0.2, 2.0, batch + [n]).astype(np.float32)
    w64, d64 = w.astype(np.float64), d.astype(np.float64)
    cov = w64 @ np.swapaxes(w64, -1, -2) + d64[..., None] * np.eye(n)
    x = (mean + rng.standard_normal([6] + batch + [n]) * 1.3).astype(np.float32).astype(np.float64)
    covs, means = cov.reshape(-1, n, n), mean.reshape(-1, n).astype(np.float64)
    xs = x.reshape(6, -1, n)
    lp = np.array([[multivariate_normal.logpdf(xs[i, b], means[b], covs[b]) for b in range(len(covs))] for i in range(6)]).reshape([6] + batch)
    low_rank_cases.append({
        "name": f"low rank n={n} r={r} batch={batch}",
        "mean": {"shape": batch + [n], "data": [float(v) for v in mean.ravel()]},
        "cov_factor": {"shape": batch + [n, r], "data": [float(v) for v in w.ravel()]},
        "cov_diag": {"shape": batch + [n], "data": [float(v) for v in d.ravel()]},
        "x": {"shape": [6] + batch + [n], "data": [float(v) for v in x.ravel()]},
        "expected": {"shape": list(lp.shape), "data": [float(v) for v in lp.ravel()]},
        "cov": [float(v) for v in cov.ravel()],
        "entropy": [float(multivariate_normal(None, c).entropy()) for c in covs],
    })

doc = {"low_rank_cases": low_rank_cases, "condition_cases": condition_cases, "precision_cases": precision_cases, "scipy": scipy.__version__, "numpy": np.__version__, "cases": cases}
with open("tests/fixtures/logpdf.json", "w") as f:
    json.dump(doc, f)
print(len(cases), "cases")
