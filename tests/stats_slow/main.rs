//! The slow statistical tier: for every backend (native CPU, GPU) and every method (cholesky,
//! eigh, svd, scale_tril), many keys per configuration; KS and Anderson–Darling tests of the
//! whitened marginals, a χ² test of their total energy, Mardia's multivariate skewness and
//! kurtosis, independence across split keys (cross-correlation of samples drawn with the two
//! halves of `split(k)`, agreement of their bits, 2-D histograms of `uniform` from `k` and its
//! children). The p-values of each test × backend × method are then tested for uniformity.
//!
//! ```text
//! MVN_SLOW=1 cargo test --release --test stats_slow              # the full tier
//! MVN_SLOW=1 MVN_SLOW_REPORT=docs/statistics.md cargo test --release --test stats_slow
//! MVN_SLOW=1 MVN_SLOW_SEED=7 cargo test --release --test stats_slow   # another key base
//! cargo test --test stats_slow                                    # without the flag: smoke tier
//! ```
//!
//! Without `MVN_SLOW` the binary checks its statistics against SciPy values, prints an explicit
//! `SKIP` line for the full tier, and runs a smoke tier (a few keys, two dimensions) with the
//! same gates, so `cargo test --all-targets` (CI) still exercises every code path here.
//!
//! Gates (family-wise, so the tier is not flaky): for every test × backend × method, the KS test
//! of its p-values against U(0, 1) has p > 1e-4, and no single p-value is below 1e-9.

mod stat;

use mvn_gpu::{key, split, split_n, Array, Key, Method, MultivariateNormal, Options, Sampler, SamplerOptions};
use pollster::block_on;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

const META_KS_MIN: f64 = 1e-4;
const SINGLE_P_MIN: f64 = 1e-9;
const DEFAULT_SEED: u64 = 20_260_707;

struct Tier {
    name: &'static str,
    keys: usize,
    rows: usize,
    dims: &'static [usize],
    /// Mardia's skewness costs O(rows · r³ / 6): computed for whitened dimensions r up to this.
    skew_max_r: usize,
    bit_words: usize,
    /// The GPU draws `keys / gpu_segments` keys, each `gpu_segments` times as many rows, cut into
    /// `gpu_segments` samples. (1 in the full tier: when the kernels' parameters were uniforms,
    /// lavapipe compiled a new kernel for every key, and the GPU used 10 keys x 10 segments.)
    gpu_segments: usize,
}

const FULL: Tier = Tier { name: "full", keys: 100, rows: 2048, dims: &[1, 2, 3, 8, 17, 64], skew_max_r: 17, bit_words: 1 << 16, gpu_segments: 1 };
const SMOKE: Tier = Tier { name: "smoke", keys: 3, rows: 512, dims: &[2, 17], skew_max_r: 17, bit_words: 1 << 12, gpu_segments: 1 };

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Q diag(λ) Qᵀ, λ in [0.5, 2], random rotation, means in [-5, 5].
    WellConditioned,
    /// Equicorrelation ρ = 0.99 with standard deviations in [0.5, 3].
    Rho099,
    /// Rank ⌈n/2⌉: Q_r diag(λ) Q_rᵀ; whitened on its range only.
    RankDeficient,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::WellConditioned => "well-conditioned",
            Kind::Rho099 => "rho=0.99",
            Kind::RankDeficient => "rank-deficient",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Meth {
    Lib(Method),
    ScaleTril,
}

impl Meth {
    fn as_str(self) -> &'static str {
        match self {
            Meth::Lib(m) => m.as_str(),
            Meth::ScaleTril => "scale_tril",
        }
    }
}

const METHODS: [Meth; 4] = [Meth::Lib(Method::Cholesky), Meth::Lib(Method::Eigh), Meth::Lib(Method::Svd), Meth::ScaleTril];

struct Config {
    kind: Kind,
    n: usize,
    /// Whitened dimension (n, or the rank).
    r: usize,
    mean: Vec<f32>,
    cov: Vec<f32>,
    /// f64 Cholesky of the float32 covariance as given (full rank).
    chol: Option<Vec<f64>>,
    /// The float32 lower-triangular factor given to `from_scale_tril` (full rank).
    tril: Option<Vec<f32>>,
    /// Rank-deficient: orthonormal rows q_k (r × n) and λ_k.
    range: Option<(Vec<f64>, Vec<f64>)>,
    keys: Vec<Key>,
}

/// splitmix64: the test's own generator for covariances (independent of the library).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (2.0 * std::f64::consts::PI * self.uniform()).cos()
    }
    /// A random n × n orthogonal matrix (rows), by Gram–Schmidt (twice) of Gaussian rows.
    fn orthogonal(&mut self, n: usize) -> Vec<f64> {
        let mut q = vec![0.0; n * n];
        for i in 0..n {
            let mut v: Vec<f64> = (0..n).map(|_| self.normal()).collect();
            for _ in 0..2 {
                for k in 0..i {
                    let d: f64 = (0..n).map(|j| v[j] * q[k * n + j]).sum();
                    (0..n).for_each(|j| v[j] -= d * q[k * n + j]);
                }
            }
            let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            (0..n).for_each(|j| q[i * n + j] = v[j] / norm);
        }
        q
    }
}

fn make_config(kind: Kind, n: usize, rng: &mut Rng, keys: Vec<Key>) -> Config {
    let mean: Vec<f32> = (0..n).map(|_| (rng.uniform() * 10.0 - 5.0) as f32).collect();
    let mut cov64 = vec![0.0f64; n * n];
    let mut range = None;
    let r = match kind {
        Kind::WellConditioned | Kind::RankDeficient => {
            let r = if kind == Kind::RankDeficient { n.div_ceil(2) } else { n };
            let q = rng.orthogonal(n);
            let lam: Vec<f64> = (0..r).map(|_| (rng.uniform() * 2.0 - 1.0) * std::f64::consts::LN_2).map(f64::exp).collect();
            for i in 0..n {
                for j in 0..n {
                    cov64[i * n + j] = (0..r).map(|k| q[k * n + i] * lam[k] * q[k * n + j]).sum();
                }
            }
            if kind == Kind::RankDeficient {
                range = Some((q[..r * n].to_vec(), lam));
            }
            r
        }
        Kind::Rho099 => {
            let s: Vec<f64> = (0..n).map(|_| (0.5f64.ln() + rng.uniform() * 6f64.ln()).exp()).collect();
            for i in 0..n {
                for j in 0..n {
                    cov64[i * n + j] = s[i] * s[j] * if i == j { 1.0 } else { 0.99 };
                }
            }
            n
        }
    };
    // Symmetric float32 (round the lower triangle, mirror it).
    let mut cov = vec![0f32; n * n];
    for i in 0..n {
        for j in 0..=i {
            cov[i * n + j] = cov64[i * n + j] as f32;
            cov[j * n + i] = cov[i * n + j];
        }
    }
    let (chol, tril) = if kind == Kind::RankDeficient {
        (None, None)
    } else {
        let l = stat::cholesky(&cov.iter().map(|&v| v as f64).collect::<Vec<_>>(), n).expect("full-rank covariance");
        let tril: Vec<f32> = l.iter().map(|&v| v as f32).collect();
        (Some(l), Some(tril))
    };
    Config { kind, n, r, mean, cov, chol, tril, range, keys }
}

/// Whitened rows (rows × r) of `x` for `method`, and for a rank-deficient covariance the largest
/// component of x - mean off its range, in units of sqrt(n 2^-23 λ_max).
fn whiten(c: &Config, method: Meth, x: &[f32]) -> (Vec<f64>, f64) {
    let (n, r) = (c.n, c.r);
    let rows = x.len() / n;
    let mut w = vec![0.0; rows * r];
    let mut off: f64 = 0.0;
    let tril64: Option<Vec<f64>> = match method {
        Meth::ScaleTril => Some(c.tril.as_ref().unwrap().iter().map(|&v| v as f64).collect()),
        _ => c.chol.clone(),
    };
    for (i, row) in x.chunks(n).enumerate() {
        let d: Vec<f64> = (0..n).map(|j| row[j] as f64 - c.mean[j] as f64).collect();
        let out = &mut w[i * r..(i + 1) * r];
        if let Some(l) = &tril64 {
            out.copy_from_slice(&d);
            stat::forward_solve(l, n, out);
        } else {
            let (q, lam) = c.range.as_ref().unwrap();
            let mut resid = d.clone();
            for k in 0..r {
                let qk = &q[k * n..(k + 1) * n];
                let proj: f64 = (0..n).map(|j| qk[j] * d[j]).sum();
                out[k] = proj / lam[k].sqrt();
                (0..n).for_each(|j| resid[j] -= proj * qk[j]);
            }
            // float32 rounding of the covariance leaves eigenvalues of order n 2^-23 λ_max on
            // its null space, so components of order sqrt(n 2^-23 λ_max) there are expected.
            let lmax = lam.iter().cloned().fold(0.0, f64::max);
            let scale = (n as f64 * f32::EPSILON as f64 * lmax).sqrt();
            off = off.max(resid.iter().map(|v| v.abs()).fold(0.0, f64::max) / scale);
        }
    }
    (w, off)
}

type Pvals = Vec<(&'static str, f64)>;

/// The per-sample tests of whitened rows w (rows × r).
fn sample_tests(w: &[f64], rows: usize, r: usize, skew_max_r: usize) -> Pvals {
    let mut out = Vec::with_capacity(2 * r + 3);
    let mut col = vec![0.0; rows];
    for j in 0..r {
        (0..rows).for_each(|i| col[i] = w[i * r + j]);
        let (_, pks) = stat::ks_normal(&mut col); // sorts col
        let a2 = stat::ad_stat_sorted(&col);
        out.push(("ks_marginal", pks));
        out.push(("ad_marginal", stat::ad_sf(rows, a2)));
    }
    let energy: f64 = w.iter().map(|v| v * v).sum();
    out.push(("chi2_energy", stat::chi2_two_sided(energy, (rows * r) as f64)));
    let z = stat::standardize(w, rows, r);
    if r <= skew_max_r {
        out.push(("mardia_skew", stat::mardia_skewness(&z, rows, r).1));
    }
    out.push(("mardia_kurt", stat::mardia_kurtosis(&z, rows, r).1));
    out
}

/// Cross-correlation of samples from the two halves of split(k): T = rows · Σ_ab C_ab² with
/// C = w1ᵀ w2 / rows. Under independence E[T] = r², Var[T] = r² (2 + (6 + 4(r - 1)) / rows)
/// (exact for known unit variances); T ≈ c · χ²(ν) with matched mean and variance.
fn split_xcorr(w1: &[f64], w2: &[f64], rows: usize, r: usize) -> f64 {
    let mut c = vec![0.0; r * r];
    for i in 0..rows {
        let (a, b) = (&w1[i * r..(i + 1) * r], &w2[i * r..(i + 1) * r]);
        for p in 0..r {
            for q in 0..r {
                c[p * r + q] += a[p] * b[q];
            }
        }
    }
    let t: f64 = c.iter().map(|v| v * v).sum::<f64>() / rows as f64;
    let (rf, nf) = (r as f64, rows as f64);
    let (mean, var) = (rf * rf, rf * rf * (2.0 + (6.0 + 4.0 * (rf - 1.0)) / nf));
    let scale = var / (2.0 * mean);
    stat::chi2_sf(t / scale, mean / scale)
}

fn draw(s: &Sampler, d: &MultivariateNormal, rows: usize, k: Key) -> Vec<f32> {
    let x = block_on(s.sample(d, &[rows as i64], Some(k))).unwrap_or_else(|e| panic!("sample: {e}"));
    x.data().to_vec()
}

/// Bits and uniforms of k, k1 and k2 = split(k): agreement of bits (total and per position)
/// and 2-D histograms of the uniforms, parent vs child and sibling vs sibling; `segs` segments
/// of `m` words each.
fn key_tests(s: &Sampler, k: Key, m: usize, segs: usize) -> Pvals {
    let (k1, k2) = split(k);
    let total = (m * segs) as i64;
    let bits = |k| block_on(s.bits(&[total], Some(k))).unwrap().data().to_vec();
    let unif = |k| block_on(s.uniform(&[total], 0.0f32, 1.0f32, Some(k))).unwrap().data().to_vec();
    let (b, b1, b2) = (bits(k), bits(k1), bits(k2));
    let (u, u1, u2) = (unif(k), unif(k1), unif(k2));
    let mut out = Vec::new();
    for seg in 0..segs {
        let r = seg * m..(seg + 1) * m;
        for (name, pos_name, x, y) in [("bits_agree_parent", "bits_position_parent", &b[r.clone()], &b1[r.clone()]), ("bits_agree_sibling", "bits_position_sibling", &b1[r.clone()], &b2[r.clone()])] {
            let mut per_pos = [0u64; 32];
            let mut total = 0u64;
            for (&p, &q) in x.iter().zip(y.iter()) {
                let agree = !(p ^ q);
                total += agree.count_ones() as u64;
                for (j, c) in per_pos.iter_mut().enumerate() {
                    *c += ((agree >> j) & 1) as u64;
                }
            }
            let t = 32.0 * m as f64;
            out.push((name, stat::norm_two_sided((total as f64 - t / 2.0) / (t / 4.0).sqrt())));
            let chi: f64 = per_pos.iter().map(|&c| (c as f64 - m as f64 / 2.0).powi(2) / (m as f64 / 4.0)).sum();
            out.push((pos_name, stat::chi2_sf(chi, 32.0)));
        }
        for (name, x, y) in [("uniform_hist2d_parent", &u[r.clone()], &u1[r.clone()]), ("uniform_hist2d_sibling", &u1[r.clone()], &u2[r.clone()])] {
            let mut h = [0u64; 256];
            for (&p, &q) in x.iter().zip(y.iter()) {
                assert!((0.0..1.0).contains(&p) && (0.0..1.0).contains(&q), "uniform out of [0, 1): {p} {q}");
                h[((p * 16.0) as usize).min(15) * 16 + ((q * 16.0) as usize).min(15)] += 1;
            }
            let e = m as f64 / 256.0;
            let chi: f64 = h.iter().map(|&c| (c as f64 - e).powi(2) / e).sum();
            out.push((name, stat::chi2_sf(chi, 255.0)));
        }
    }
    out
}

/// Checks the statistics against SciPy 1.17 (values computed with scipy.stats: norm.cdf,
/// chi2.sf, kstwo.sf, kstest, norm.logcdf/logsf, and Mardia's statistics with NumPy's Gram-matrix
/// form), the Anderson–Darling p-values against the exact asymptotic distribution and a Monte
/// Carlo run (NumPy).
fn self_check() {
    let close = |what: &str, got: f64, want: f64, rel: f64, abs: f64| {
        assert!((got - want).abs() <= rel * want.abs() + abs, "self-check {what}: got {got:e}, SciPy {want:e}");
    };
    for (x, p) in [(-8.0, 6.22096057427174e-16), (-3.0, 0.0013498980316300933), (-1.0, 0.15865525393145707), (0.0, 0.5), (0.5, 0.6914624612740131), (2.0, 0.9772498680518208), (6.0, 0.9999999990134123)] {
        close(&format!("norm_cdf({x})"), stat::norm_cdf(x), p, 1e-13, 0.0);
    }
    for (x, k, p) in [(3.0, 1.0, 0.08326451666355042), (100.0, 80.0, 0.064570368921133), (45000.0, 45760.0, 0.9941993531807435), (5.0, 10.0, 0.8911780189141513), (300.0, 255.0, 0.02772752205390483), (0.5, 2.0, 0.7788007830714049)] {
        close(&format!("chi2_sf({x}, {k})"), stat::chi2_sf(x, k), p, 1e-9, 0.0);
    }
    for (n, d, p) in [
        (10, 0.2, 0.7487190399999999),
        (10, 0.5, 0.00777741),
        (50, 0.1, 0.6623112704658186),
        (140, 0.05, 0.8576480297656114),
        (141, 0.2, 2.0276784223976912e-05),
        (500, 0.03, 0.7473166700457021),
        (2048, 0.005, 0.9999999992184407),
        (2048, 0.01, 0.9853756270721316),
        (2048, 0.03, 0.04911408403876716),
        (2048, 0.05, 6.876644231989572e-05),
        (47600, 0.006, 0.06469326937369269),
        (100, 0.3, 1.7719869892662917e-08),
        (3, 0.9, 0.0019999999999999987),
    ] {
        close(&format!("ks_sf({n}, {d})"), stat::ks_sf(n, d), p, 1e-6, 1e-9);
    }
    // The same LCG + Box–Muller normals as the SciPy script (docs/statistics.md shows it).
    let lcg = |n: usize, seed: u64| -> Vec<f64> {
        let mut s = seed;
        let mut u = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        (0..n).map(|_| {
            let (a, b) = (u(), u());
            (-2.0 * a.ln()).sqrt() * (2.0 * std::f64::consts::PI * b).cos()
        }).collect()
    };
    for (n, seed, sc, d, p, a2) in [
        (50, 1, 1.0, 0.09272572060247786, 0.7482713940696888, 0.6298620972029667),
        (2048, 2, 1.0, 0.0181839380277814, 0.5015853231319385, 0.5694970342042325),
        (2048, 3, 1.05, 0.029093509100415305, 0.06120394527666284, 2.7832764356862754),
    ] {
        let mut x: Vec<f64> = lcg(n, seed).iter().map(|v| v * sc).collect();
        let (gd, gp) = stat::ks_normal(&mut x);
        close("KS D", gd, d, 1e-9, 0.0);
        close("KS p", gp, p, 1e-6, 0.0);
        close("AD A²", stat::ad_stat_sorted(&x), a2, 1e-9, 0.0);
    }
    // Mardia on a skewed sample (x1 += x0²/2), n = 40, p = 3: b1, skewness p, b2, kurtosis p.
    let (n, p) = (40, 3);
    let mut x = lcg(n * p, 7);
    for i in 0..n {
        x[i * p + 1] += 0.5 * x[i * p] * x[i * p];
    }
    let z = stat::standardize(&x, n, p);
    let (b1, ps) = stat::mardia_skewness(&z, n, p);
    let (b2, pk) = stat::mardia_kurtosis(&z, n, p);
    close("Mardia b1", b1, 2.869390851334683, 1e-9, 0.0);
    close("Mardia skewness p", ps, 0.018813013052472502, 1e-7, 0.0);
    close("Mardia b2", b2, 15.001545114262655, 1e-9, 0.0);
    close("Mardia kurtosis p", pk, 0.5915502175726752, 1e-7, 0.0);
    let pv: Vec<f64> = (1..=200).map(|i| ((i as f64 * 0.6180339887498949) % 1.0).powf(1.1)).collect();
    let (d, p) = stat::ks_uniform(&pv);
    close("KS uniform D", d, 0.03619605628252176, 1e-9, 0.0);
    close("KS uniform p", p, 0.9472561774758075, 1e-6, 0.0);
    // Anderson–Darling case 0: the asymptotic CDF of A² = Σ χ²₁ / (j (j + 1)), by numerical
    // inversion of its characteristic function (SciPy quad, 2·10⁵ terms). The Marsaglia &
    // Marsaglia approximation is within 2.2e-5 of it (far below what the tier can resolve) ...
    for (z, cdf) in [(0.5, 0.2531907293480749), (1.0, 0.6427359508598826), (1.9329578327415937, 0.9000006375225272), (2.4923671600494096, 0.9500003023351247), (3.878125021637224, 0.9900000570779048)] {
        close(&format!("AD cdf({z})"), stat::ad_cdf(1_000_000_000, z), cdf, 0.0, 3e-5);
    }
    // ... and Monte Carlo tails P(A² > z) for n = 16 (4·10⁶ replicates) and n = 64 (10⁶), where
    // the finite-n correction matters (0.04 / n).
    for (n, z, sf, se) in MC_AD {
        close(&format!("AD sf(n={n}, {z})"), stat::ad_sf(n, z), sf, 0.0, 4.0 * se + 3e-5);
    }
}

/// (n, z, P(A² > z) by Monte Carlo, its standard error).
const MC_AD: [(usize, f64, f64, f64); 10] = [
    (16, 0.3, 0.9373935, 0.000121),
    (16, 0.5, 0.74412075, 0.000218),
    (16, 1.0, 0.355757, 0.000239),
    (16, 2.5, 0.050414249999999994, 0.000109),
    (16, 4.0, 0.009026250000000013, 4.7e-05),
    (64, 0.3, 0.937752, 0.000242),
    (64, 0.5, 0.746006, 0.000435),
    (64, 1.0, 0.356429, 0.000479),
    (64, 2.5, 0.049277000000000015, 0.000216),
    (64, 4.0, 0.008863999999999983, 9.4e-05),
];

struct Group {
    ps: Vec<f64>,
}

fn main() {
    let start = Instant::now();
    self_check();
    println!("stats_slow: statistics self-check against SciPy values passed");
    let slow = std::env::var("MVN_SLOW").is_ok_and(|v| !v.is_empty() && v != "0");
    let tier = if slow { FULL } else { SMOKE };
    if !slow {
        println!(
            "stats_slow: SKIP full tier (MVN_SLOW not set; run it with `MVN_SLOW=1 cargo test --release --test stats_slow`). \
             Running the smoke tier: {} keys x {} rows, n in {:?}.",
            tier.keys, tier.rows, tier.dims
        );
    }
    let seed: u64 = std::env::var("MVN_SLOW_SEED").ok().map(|s| s.parse().expect("MVN_SLOW_SEED must be a u64")).unwrap_or(DEFAULT_SEED);

    let gpu = block_on(Sampler::gpu(&SamplerOptions::default()))
        .unwrap_or_else(|e| panic!("the statistical tier needs a GPU adapter (lavapipe: apt-get install mesa-vulkan-drivers): {e}"));
    let adapter = gpu.adapter_info().map(|i| format!("{} ({:?})", i.name, i.backend)).unwrap_or_default();
    let cpu = Sampler::cpu();
    // (name, sampler, keys per configuration, samples cut from each key's draw)
    let backends: [(&str, &Sampler, usize, usize); 2] = [("cpu", &cpu, tier.keys, 1), ("gpu", &gpu, tier.keys / tier.gpu_segments, tier.gpu_segments)];

    // Configurations, each with keys of its own (so pooled p-values are independent).
    let mut rng = Rng(seed ^ 0x5DEE_CE66_D1CE_5EED);
    let mut specs = Vec::new();
    for &n in tier.dims {
        for kind in [Kind::WellConditioned, Kind::Rho099, Kind::RankDeficient] {
            if kind == Kind::RankDeficient && n < 2 {
                continue;
            }
            specs.push((kind, n));
        }
    }
    let roots = split_n(key(seed), specs.len() as i64 + 1).unwrap();
    let configs: Vec<Config> = specs
        .iter()
        .zip(&roots)
        .map(|(&(kind, n), &root)| make_config(kind, n, &mut rng, split_n(root, tier.keys as i64).unwrap()))
        .collect();

    let mut groups: BTreeMap<(String, &str, &str), Group> = BTreeMap::new();
    let mut add = |test: &str, backend: &'static str, method: &'static str, p: f64| {
        groups.entry((test.to_string(), backend, method)).or_insert(Group { ps: Vec::new() }).ps.push(p);
    };
    let mut worst_off: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    let mut samples_drawn = 0usize;
    for c in &configs {
        let t = Instant::now();
        for method in METHODS {
            if method == Meth::ScaleTril && c.kind == Kind::RankDeficient {
                continue;
            }
            let mean = Array::new([c.n], c.mean.clone()).unwrap();
            let dist = match method {
                Meth::Lib(m) => MultivariateNormal::new(&mean, &Array::new([c.n, c.n], c.cov.clone()).unwrap(), &Options::with_method(m)),
                Meth::ScaleTril => MultivariateNormal::from_scale_tril(&mean, &Array::new([c.n, c.n], c.tril.clone().unwrap()).unwrap()),
            }
            .unwrap_or_else(|e| panic!("{} n={} {}: {e}", c.kind.as_str(), c.n, method.as_str()));
            for &(bname, s, nkeys, segs) in &backends {
                for chunk in c.keys[..nkeys].chunks(25usize.div_ceil(segs)) {
                    let (rows, len) = (tier.rows, tier.rows * c.n);
                    let xs: Vec<(Vec<f32>, Vec<f32>)> = chunk
                        .iter()
                        .flat_map(|&k| {
                            let (k1, k2) = split(k);
                            let (a, b) = (draw(s, &dist, rows * segs, k1), draw(s, &dist, rows * segs, k2));
                            (0..segs).map(move |j| (a[j * len..(j + 1) * len].to_vec(), b[j * len..(j + 1) * len].to_vec()))
                        })
                        .collect();
                    samples_drawn += 2 * xs.len();
                    let res: Vec<(Pvals, f64)> = xs
                        .par_iter()
                        .map(|(x1, x2)| {
                            let (w1, o1) = whiten(c, method, x1);
                            let (w2, o2) = whiten(c, method, x2);
                            let mut ps = sample_tests(&w1, tier.rows, c.r, tier.skew_max_r);
                            ps.extend(sample_tests(&w2, tier.rows, c.r, tier.skew_max_r));
                            ps.push(("split_xcorr", split_xcorr(&w1, &w2, tier.rows, c.r)));
                            (ps, o1.max(o2))
                        })
                        .collect();
                    for (ps, off) in res {
                        for (test, p) in ps {
                            add(test, bname, method.as_str(), p);
                        }
                        let e = worst_off.entry((bname, method.as_str())).or_insert(0.0);
                        *e = e.max(off);
                    }
                }
            }
        }
        println!("stats_slow: {} n={} done in {:.1} s", c.kind.as_str(), c.n, t.elapsed().as_secs_f64());
    }
    // Key-level tests: bits and uniforms of k and split(k), on each backend.
    let bit_keys = split_n(roots[specs.len()], tier.keys as i64).unwrap();
    for &(bname, s, nkeys, segs) in &backends {
        for &k in &bit_keys[..nkeys] {
            for (test, p) in key_tests(s, k, tier.bit_words, segs) {
                add(test, bname, "-", p);
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();

    // Rank-deficient samples must lie on the covariance's range (up to float32 rounding).
    for (&(b, m), &off) in &worst_off {
        if off > 0.0 {
            println!("stats_slow: rank-deficient {b}/{m}: largest off-range component {off:.2} sqrt(n 2^-23 lambda_max)");
        }
        assert!(off < 8.0, "{b}/{m}: rank-deficient samples leave the covariance's range by {off:.2} sqrt(n 2^-23 lambda_max)");
    }

    // The p-value distributions and the gates.
    let mut table = String::new();
    let _ = writeln!(table, "| test | backend | method | p-values | deciles of p (counts in [0, 0.1), …, [0.9, 1]) | min p | KS p (uniformity) |");
    let _ = writeln!(table, "|---|---|---|---:|---|---:|---:|");
    let mut failures = Vec::new();
    let mut total = 0usize;
    let order = |t: &str| TEST_ORDER.iter().position(|&o| o == t).unwrap_or(usize::MAX);
    let mut keys: Vec<_> = groups.keys().cloned().collect();
    keys.sort_by_key(|(t, b, m)| (order(t), *b, METHODS.iter().position(|x| x.as_str() == *m).unwrap_or(9)));
    for gk in &keys {
        let g = &groups[gk];
        let (test, b, m) = gk;
        total += g.ps.len();
        let mut dec = [0usize; 10];
        for &p in &g.ps {
            dec[((p * 10.0) as usize).min(9)] += 1;
        }
        let min = g.ps.iter().cloned().fold(1.0, f64::min);
        let (_, meta) = stat::ks_uniform(&g.ps);
        let dec_s = dec.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(" ");
        let flag = if meta <= META_KS_MIN || min <= SINGLE_P_MIN { " **FAIL**" } else { "" };
        let _ = writeln!(table, "| {test} | {b} | {m} | {} | {dec_s} | {min:.2e} | {meta:.3}{flag} |", g.ps.len());
        if meta <= META_KS_MIN {
            failures.push(format!("{test}/{b}/{m}: p-values not uniform (KS p = {meta:.2e})"));
        }
        if min <= SINGLE_P_MIN {
            failures.push(format!("{test}/{b}/{m}: a p-value of {min:.2e}"));
        }
    }
    println!("{table}");
    println!(
        "stats_slow: {} tier, key base {seed}, {} configurations, {} samples of {} rows, {} p-values in {} groups, {:.1} s",
        tier.name,
        configs.len(),
        samples_drawn,
        tier.rows,
        total,
        keys.len(),
        elapsed
    );
    if let Ok(path) = std::env::var("MVN_SLOW_REPORT") {
        std::fs::write(&path, report(&tier, seed, &adapter, &configs, samples_drawn, total, elapsed, &table)).expect("write the report");
        println!("stats_slow: report written to {path}");
    }
    assert!(failures.is_empty(), "statistical tier failed:\n{}", failures.join("\n"));
    println!("stats_slow: all {} groups pass (KS-of-p-values p > {META_KS_MIN:e}, every p > {SINGLE_P_MIN:e})", keys.len());
}

const TEST_ORDER: [&str; 12] = [
    "ks_marginal",
    "ad_marginal",
    "chi2_energy",
    "mardia_skew",
    "mardia_kurt",
    "split_xcorr",
    "bits_agree_parent",
    "bits_agree_sibling",
    "bits_position_parent",
    "bits_position_sibling",
    "uniform_hist2d_parent",
    "uniform_hist2d_sibling",
];

#[allow(clippy::too_many_arguments)]
fn report(tier: &Tier, seed: u64, adapter: &str, configs: &[Config], samples: usize, total: usize, elapsed: f64, table: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Statistical quality: p-value distributions\n");
    let _ = writeln!(s, "Generated by the slow statistical tier (`tests/stats_slow/`); do not edit by hand. Reproduce with\n");
    let _ = writeln!(s, "```sh\nMVN_SLOW=1 MVN_SLOW_SEED={seed} MVN_SLOW_REPORT=docs/statistics.md cargo test --release --test stats_slow\n```\n");
    let _ = writeln!(
        s,
        "Run: {} tier, key base {seed}, {} configurations × {} keys, {samples} samples of {} rows, {total} p-values, \
         {elapsed:.0} s wall time (release build, 2-core machine; GPU adapter: {adapter}).\n",
        tier.name,
        configs.len(),
        tier.keys,
        tier.rows
    );
    s.push_str(REPORT_TEXT);
    s.push_str(table);
    s
}

const REPORT_TEXT: &str = r#"## What runs

* **Backends:** the native CPU (`Sampler::cpu()`) and the native GPU (`Sampler::gpu`, WGSL through
  wgpu; lavapipe here). n ≤ 16 runs the GPU's fused kernel, n = 17 and 64 its normals + affine
  kernels (the tiled product from n = 17 for one covariance). The CPU and the GPU each draw 100
  keys per configuration. (An earlier version drew 10 keys × 10 segments on the GPU, when the
  kernels' parameters were uniforms and lavapipe compiled a new kernel variant for every key.)
* **Methods:** `cholesky`, `eigh` and `svd` through `MultivariateNormal::new`, and `scale_tril`
  through `MultivariateNormal::from_scale_tril` (the f64 Cholesky factor rounded to float32;
  full-rank covariances only).
* **Covariances**, for n ∈ {1, 2, 3, 8, 17, 64}: *well-conditioned* (random rotation, eigenvalues
  in [0.5, 2]), *ρ = 0.99* (equicorrelation with standard deviations in [0.5, 3]; condition number
  up to 6 300 at n = 64), and *rank-deficient* (rank ⌈n/2⌉, n ≥ 2). Means are uniform in [-5, 5].
  Each configuration has keys of its own, so the pooled p-values are independent.
* **Whitening:** w = L⁻¹(x − μ) with L the f64 Cholesky factor of the float32 covariance (for
  `scale_tril`, of the float32 factor itself), or for a rank-deficient covariance Q diag(λ)Qᵀ the
  projection diag(λ)^-½ Qᵀ(x − μ) on its range. The component off the range is asserted to be
  within float32 rounding (below 8 √(n 2⁻²³ λ_max); measured at most 0.42 of that).
* **Per key k,** (k1, k2) = split(k) and one sample of 2 048 rows from each.

| test | per | statistic and null distribution |
|---|---|---|
| `ks_marginal` | whitened marginal | one-sample Kolmogorov–Smirnov vs N(0, 1); exact finite-n p-value as SciPy's `kstwo` (Durbin matrix, Pelz–Good, Smirnov tail) |
| `ad_marginal` | whitened marginal | Anderson–Darling A² vs N(0, 1) (case 0); p-value by Marsaglia & Marsaglia (2004) with the finite-n correction |
| `chi2_energy` | sample | Σ w² ~ χ²(rows · r), two-sided: catches a scale error that the marginal tests resolve slowly |
| `mardia_skew` | sample (r ≤ 17) | Mardia's b₁,ₚ, small-sample corrected n k b₁/6 ~ χ²(p(p+1)(p+2)/6); O(rows r³), so not at r = 64; and the χ² approximation is conservative for large r relative to the rows, which bunched p-values near 1 at r = 32 |
| `mardia_kurt` | sample | Mardia's b₂,ₚ with its exact null mean and variance, normal approximation, two-sided |
| `split_xcorr` | key | T = rows Σ C²ₐᵦ, C = w₁ᵀw₂ / rows, the cross-correlations of the samples from k1 and k2; exact null mean r² and variance r²(2 + (4r + 2)/rows), matched c·χ²(ν) |
| `bits_agree_parent` / `_sibling` | key | agreeing bits of `bits(k)` vs `bits(k1)` (parent) and `bits(k1)` vs `bits(k2)` (siblings), 65 536 words: Binomial(32 m, ½), normal approximation |
| `bits_position_parent` / `_sibling` | key | the same per bit position: Σ z² ~ χ²(32) |
| `uniform_hist2d_parent` / `_sibling` | key | 16 × 16 histogram of (`uniform(k)`, `uniform(k1)`) and (`uniform(k1)`, `uniform(k2)`): χ²(255) |

**Gates.** The p-values of each test × backend × method are pooled over configurations and keys;
the tier fails when the KS test of the pooled p-values against U(0, 1) gives p ≤ 1e-4, or when any
single p-value is ≤ 1e-9. **Self-check.** Before sampling, every run checks Φ, the χ² tail, the
KS distribution and statistic, A², Mardia's b₁ and b₂ with their p-values, and the KS-on-p-values
against SciPy 1.17 values, and the Anderson–Darling p-values against the exact asymptotic law and
a Monte Carlo run, so a broken statistic fails the run instead of passing it.

**Reading the table.** `eigh` and `svd` give the same factor for a positive-semidefinite
covariance (`Q diag(√λ) Qᵀ`), hence the same p-values. The GPU draws the same keys as the CPU
and reproduces its samples to a few ulp, so its p-values are close to the CPU's: the GPU rows test
the GPU's own output (a kernel that changed the distribution would show there). `-` marks the
key-level tests, which involve no factor.

**Power.** Perturbing the samples locally shows the gates catch real defects (the perturbation
is not part of the code): (1) *scale*: every whitened sample multiplied by 1.01,
i.e. x' = μ + 1.01 (x − μ), a 2 % variance error. The full tier (key base 20260707) fails 32 of 60
groups: `chi2_energy` (min p 3e-16), `ks_marginal`, `ad_marginal` and `split_xcorr` on every
backend and method, KS-on-p-values p < 1e-3; Mardia's statistics are affine invariant and do not
move, as expected. (2) *corr*: the sample of k2 replaced by (w₂ + 0.03 w₁)/√1.0009, a 0.03
correlation between split keys with exact N(0, I) marginals. `split_xcorr` fails on all 8
backend × method groups (KS-on-p-values p < 1e-3, 46 % of its p-values below 0.1); the
marginal tests pass, as they should.

**Not covered here.** The npm package's CPU path is this crate's Rust code compiled to wasm
(`tests/node/cpu.test.mjs` checks it bit for bit against the MLX vectors), so its statistics are
those of the `cpu` rows; the WebGPU path in Node (Dawn) and Chromium (SwiftShader) runs the same
WGSL as the `gpu` rows and is checked against the MLX vectors within the ulp bound by
`tests/node/webgpu.test.mjs` and `tests/browser/`. Neither runs this tier.

## Results

"#;
