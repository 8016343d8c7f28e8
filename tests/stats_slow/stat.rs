//! The test statistics and their null distributions, in f64, with no dependencies beyond the
//! C library's `erfc`. Each function is checked against SciPy 1.17 in `self_check` (run by
//! every invocation of the tier, flag or not), so a broken statistic cannot pass silently.

use std::f64::consts::PI;

extern "C" {
    /// The C library's complementary error function (glibc: < 1 ulp-ish; also in libSystem).
    #[link_name = "erfc"]
    fn c_erfc(x: f64) -> f64;
}

/// erfc(x).
pub fn erfc(x: f64) -> f64 {
    // SAFETY: a pure function of one double, from the C library that std already links.
    unsafe { c_erfc(x) }
}

/// Standard normal CDF Φ(x), accurate in both tails.
pub fn norm_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Two-sided normal p-value of a z statistic.
pub fn norm_two_sided(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error ~1e-15).
pub fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    for (i, &c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularized incomplete gamma functions `(P(a, x), Q(a, x))` (series below `a + 1`, Lentz's
/// continued fraction above).
pub fn gamma_pq(a: f64, x: f64) -> (f64, f64) {
    if x <= 0.0 {
        return (0.0, 1.0);
    }
    let front = (-x + a * x.ln() - ln_gamma(a)).exp();
    if x < a + 1.0 {
        let (mut ap, mut del) = (a, 1.0 / a);
        let mut sum = del;
        for _ in 0..100_000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-17 {
                break;
            }
        }
        let p = (sum * front).min(1.0);
        (p, 1.0 - p)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..100_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-16 {
                break;
            }
        }
        let q = (front * h).min(1.0);
        (1.0 - q, q)
    }
}

/// Upper tail of χ²(k): P(X > x).
pub fn chi2_sf(x: f64, k: f64) -> f64 {
    gamma_pq(0.5 * k, 0.5 * x).1
}

/// Two-sided χ²(k) p-value: 2 min(P(X < x), P(X > x)).
pub fn chi2_two_sided(x: f64, k: f64) -> f64 {
    let (p, q) = gamma_pq(0.5 * k, 0.5 * x);
    (2.0 * p.min(q)).min(1.0)
}

// ---------------------------------------------------------------------------------------------
// Kolmogorov–Smirnov: the exact finite-n distribution of D_n, computed as SciPy's `kstwo`
// (Simard & L'Ecuyer 2011): Ruben–Gambino at the ends, the Durbin matrix (Marsaglia, Tsang &
// Wang 2003) for small n·d, twice the exact one-sided Smirnov tail (Birnbaum–Tingey) in the
// upper tail, and the Pelz–Good expansion elsewhere.

/// KS statistic D_n of sorted `xs` against the continuous CDF `cdf`.
pub fn ks_stat(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    sorted.iter().enumerate().fold(0.0f64, |d, (i, &x)| {
        let f = cdf(x);
        d.max(f - i as f64 / n).max((i + 1) as f64 / n - f)
    })
}

/// P(D_n⁺ ≥ d), the exact one-sided Smirnov tail (Birnbaum & Tingey 1951).
pub fn smirnov_sf(n: usize, d: f64) -> f64 {
    if d <= 0.0 {
        return 1.0;
    }
    if d >= 1.0 {
        return 0.0;
    }
    let nf = n as f64;
    let jmax = (nf * (1.0 - d)).floor() as usize;
    let mut ln_binom = 0.0; // ln C(n, j)
    let mut s = 0.0;
    for j in 0..=jmax.min(n) {
        if j > 0 {
            ln_binom += ((n - j + 1) as f64 / j as f64).ln();
        }
        let a = 1.0 - d - j as f64 / nf;
        let b = d + j as f64 / nf;
        if a <= 0.0 {
            if n - j > 0 {
                continue;
            }
            s += (ln_binom + (j as f64 - 1.0) * b.ln()).exp();
            continue;
        }
        s += (ln_binom + (n - j) as f64 * a.ln() + (j as f64 - 1.0) * b.ln()).exp();
    }
    (d * s).min(1.0)
}

/// P(D_n < d) by the Durbin matrix (Marsaglia, Tsang & Wang 2003).
fn ks_cdf_dmtw(n: usize, d: f64) -> f64 {
    let k = (n as f64 * d).floor() as usize + 1;
    let m = 2 * k - 1;
    let h = k as f64 - n as f64 * d;
    let mut hm = vec![0.0f64; m * m];
    for i in 0..m {
        for j in 0..m {
            if i + 1 >= j {
                hm[i * m + j] = 1.0;
            }
        }
    }
    for i in 0..m {
        hm[i * m] -= h.powi(i as i32 + 1);
        hm[(m - 1) * m + i] -= h.powi((m - i) as i32);
    }
    if 2.0 * h - 1.0 > 0.0 {
        hm[(m - 1) * m] += (2.0 * h - 1.0).powi(m as i32);
    }
    for i in 0..m {
        for j in 0..m {
            if i + 1 > j {
                for g in 1..=(i + 1 - j) {
                    hm[i * m + j] /= g as f64;
                }
            }
        }
    }
    let mul = |a: &[f64], b: &[f64]| -> Vec<f64> {
        let mut c = vec![0.0; m * m];
        for i in 0..m {
            for l in 0..m {
                let av = a[i * m + l];
                if av != 0.0 {
                    for j in 0..m {
                        c[i * m + j] += av * b[l * m + j];
                    }
                }
            }
        }
        c
    };
    fn pow(a: &[f64], ea: i32, n: usize, k: usize, m: usize, mul: &dyn Fn(&[f64], &[f64]) -> Vec<f64>) -> (Vec<f64>, i32) {
        if n == 1 {
            return (a.to_vec(), ea);
        }
        let (v, ev) = pow(a, ea, n / 2, k, m, mul);
        let mut b = mul(&v, &v);
        let mut eb = 2 * ev;
        if n % 2 == 1 {
            b = mul(a, &b);
            eb += ea;
        }
        if b[(k - 1) * m + k - 1] > 1e140 {
            b.iter_mut().for_each(|x| *x *= 1e-140);
            eb += 140;
        }
        (b, eb)
    }
    let (q, mut e) = pow(&hm, 0, n, k, m, &mul);
    let mut s = q[(k - 1) * m + k - 1];
    for i in 1..=n {
        s = s * i as f64 / n as f64;
        if s < 1e-140 {
            s *= 1e140;
            e -= 140;
        }
    }
    (s * 10f64.powi(e)).clamp(0.0, 1.0)
}

/// P(D_n ≤ x) by the Pelz–Good (1976) expansion (as SciPy's `_kolmogn_PelzGood`).
fn ks_cdf_pelz_good(n: usize, x: f64) -> f64 {
    let (pi2, pi4, pi6) = (PI * PI, PI.powi(4), PI.powi(6));
    let sqrt2pi = (2.0 * PI).sqrt();
    let z = (n as f64).sqrt() * x;
    let (z2, z3, z4, z6) = (z * z, z.powi(3), z.powi(4), z.powi(6));
    let qlog = -pi2 / 8.0 / z2;
    if qlog < -708.0 {
        return 0.0;
    }
    let q = qlog.exp();
    let (k1a, k1b) = (-z2, pi2 / 4.0);
    let (k2a, k2b, k2c) = (6.0 * z6 + 2.0 * z4, (2.0 * z4 - 5.0 * z2) * pi2 / 4.0, pi4 * (1.0 - 2.0 * z2) / 16.0);
    let k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
    let k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
    let k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
    let k3a = -30.0 * z6 - 90.0 * z.powi(8);
    let mut kk = [0.0f64; 4];
    let maxk = (16.0 * z / PI).ceil() as i64;
    for k in (1..=maxk).rev() {
        let m = (2 * k - 1) as f64;
        let (m2, m4, m6) = (m * m, m.powi(4), m.powi(6));
        let qp = q.powi(8 * k as i32);
        let c = [1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
        for i in 0..4 {
            kk[i] = kk[i] * qp + c[i];
        }
    }
    let div = [z, 6.0 * z4, 72.0 * z.powi(7), 6480.0 * z.powi(10)];
    for i in 0..4 {
        kk[i] *= q * sqrt2pi / div[i];
    }
    let q2 = (-pi2 / 2.0 / z2).exp();
    let (mut k2e, mut k3e) = (0.0, 0.0);
    for k in 1..=maxk {
        let kf = k as f64;
        let qp = q2.powf(kf * kf);
        k2e += kf * kf * qp;
        k3e += (3.0 * z2 - pi2 * kf * kf) * kf * kf * qp;
    }
    kk[2] += k2e * pi2 * sqrt2pi / (-36.0 * z3);
    kk[3] += k3e * pi2 * sqrt2pi / (216.0 * z6);
    let nf = n as f64;
    (kk[0] + kk[1] / nf.sqrt() + kk[2] / nf + kk[3] / nf.powf(1.5)).clamp(0.0, 1.0)
}

/// ln(n! / n^n).
fn ln_fact_over_pow(n: usize) -> f64 {
    ln_gamma(n as f64 + 1.0) - n as f64 * (n as f64).ln()
}

/// P(D_n ≥ d): the two-sided KS p-value for sample size `n` (SciPy's `kstwo.sf`).
pub fn ks_sf(n: usize, d: f64) -> f64 {
    let nf = n as f64;
    if d >= 1.0 {
        return 0.0;
    }
    if d <= 0.0 {
        return 1.0;
    }
    let t = nf * d;
    if t <= 1.0 {
        if t <= 0.5 {
            return 1.0;
        }
        return 1.0 - (ln_fact_over_pow(n) + nf * (2.0 * t - 1.0).ln()).exp();
    }
    if t >= nf - 1.0 {
        return 2.0 * (1.0 - d).powf(nf);
    }
    if d >= 0.5 {
        return 2.0 * smirnov_sf(n, d);
    }
    let nxx = t * d;
    if n <= 140 {
        if nxx <= 4.0 {
            return 1.0 - ks_cdf_dmtw(n, d);
        }
        return (2.0 * smirnov_sf(n, d)).min(1.0);
    }
    if nxx >= 370.0 {
        return 0.0;
    }
    if nxx >= 2.2 {
        return (2.0 * smirnov_sf(n, d)).min(1.0);
    }
    if n <= 100_000 && nf * d.powf(1.5) <= 1.4 {
        return 1.0 - ks_cdf_dmtw(n, d);
    }
    1.0 - ks_cdf_pelz_good(n, d)
}

/// One-sample KS test of `xs` against N(0, 1): (D, p).
pub fn ks_normal(xs: &mut [f64]) -> (f64, f64) {
    xs.sort_unstable_by(|a, b| a.total_cmp(b));
    let d = ks_stat(xs, norm_cdf);
    (d, ks_sf(xs.len(), d))
}

/// KS test of p-values against U(0, 1): (D, p).
pub fn ks_uniform(ps: &[f64]) -> (f64, f64) {
    let mut v = ps.to_vec();
    v.sort_unstable_by(|a, b| a.total_cmp(b));
    let d = ks_stat(&v, |p| p.clamp(0.0, 1.0));
    (d, ks_sf(v.len(), d))
}

// ---------------------------------------------------------------------------------------------
// Anderson–Darling, case 0 (fully specified N(0, 1)), with Marsaglia & Marsaglia (2004),
// "Evaluating the Anderson-Darling distribution", J. Stat. Software 9(2): ADinf plus the
// finite-n correction errfix (as transcribed here, within 2.2e-5 of the exact asymptotic CDF;
// checked in `self_check`).

fn ad_inf(z: f64) -> f64 {
    if z < 2.0 {
        (-1.2337141 / z).exp() / z.sqrt() * (2.00012 + (0.247105 - (0.0649821 - (0.0347962 - (0.011672 - 0.00168691 * z) * z) * z) * z) * z)
    } else {
        (-(1.0776 - (2.30695 - (0.43424 - (0.082433 - (0.008056 - 0.0003146 * z) * z) * z) * z) * z).exp()).exp()
    }
}

fn ad_errfix(n: f64, x: f64) -> f64 {
    if x > 0.8 {
        return (-130.2137 + (745.2337 - (1705.091 - (1950.646 - (1116.360 - 255.7844 * x) * x) * x) * x) * x) / n;
    }
    let c = 0.01265 + 0.1757 / n;
    if x < c {
        let t = x / c;
        let t = t.sqrt() * (1.0 - t) * (49.0 * t - 102.0);
        return t * (0.0037 / (n * n) + 0.00078 / n + 0.00006) / n;
    }
    let t = (x - c) / (0.8 - c);
    let t = -0.00022633 + (6.54034 - (14.6538 - (14.458 - (8.259 - 1.91864 * t) * t) * t) * t) * t;
    t * (0.04213 + 0.01365 / n) / n
}

/// P(A² ≤ z) for sample size n (Marsaglia & Marsaglia 2004).
pub fn ad_cdf(n: usize, z: f64) -> f64 {
    if z <= 0.0 {
        return 0.0;
    }
    let x = ad_inf(z);
    (x + ad_errfix(n as f64, x)).clamp(0.0, 1.0)
}

/// P(A² > z). In the far tail (z ≥ 2) the ADinf form is exp(-exp(g)), so the upper tail is
/// -expm1(-exp(g)), kept accurate where 1 - cdf would round to 0.
pub fn ad_sf(n: usize, z: f64) -> f64 {
    if z >= 2.0 {
        let g = 1.0776 - (2.30695 - (0.43424 - (0.082433 - (0.008056 - 0.0003146 * z) * z) * z) * z) * z;
        let tail = -(-g.exp()).exp_m1();
        let x = 1.0 - tail;
        return (tail - ad_errfix(n as f64, x)).clamp(0.0, 1.0);
    }
    1.0 - ad_cdf(n, z)
}

/// Anderson–Darling A² of sorted `xs` against N(0, 1).
pub fn ad_stat_sorted(xs: &[f64]) -> f64 {
    let n = xs.len();
    let nf = n as f64;
    let mut s = 0.0;
    for i in 0..n {
        // ln Φ(x_i) + ln(1 - Φ(x_{n-1-i})), with 1 - Φ(x) = Φ(-x) (no cancellation in the tails).
        let lo = norm_cdf(xs[i]).ln();
        let hi = norm_cdf(-xs[n - 1 - i]).ln();
        s += (2 * i + 1) as f64 * (lo + hi);
    }
    -nf - s / nf
}

// ---------------------------------------------------------------------------------------------
// Mardia (1970, 1974): multivariate skewness b1,p and kurtosis b2,p of rows of `x` (n × p),
// standardized by the sample mean and the (biased, 1/n) sample covariance.

/// Cholesky in f64 of a p × p SPD matrix (lower, row-major); `None` if not positive definite.
pub fn cholesky(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= l[i * p + k] * l[j * p + k];
            }
            if i == j {
                if !(s > 0.0) {
                    return None;
                }
                l[i * p + i] = s.sqrt();
            } else {
                l[i * p + j] = s / l[j * p + j];
            }
        }
    }
    Some(l)
}

/// Solves L y = b in place (L lower, row-major p × p).
pub fn forward_solve(l: &[f64], p: usize, b: &mut [f64]) {
    for i in 0..p {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * p + k] * b[k];
        }
        b[i] = s / l[i * p + i];
    }
}

/// Rows of `x` standardized by their sample mean and sample covariance (so that they have mean
/// 0 and covariance I exactly).
pub fn standardize(x: &[f64], n: usize, p: usize) -> Vec<f64> {
    let mut mean = vec![0.0; p];
    for r in x.chunks(p) {
        for j in 0..p {
            mean[j] += r[j];
        }
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let mut s = vec![0.0; p * p];
    let mut y = vec![0.0; n * p];
    for (i, r) in x.chunks(p).enumerate() {
        for j in 0..p {
            y[i * p + j] = r[j] - mean[j];
        }
        let yr = &y[i * p..(i + 1) * p];
        for a in 0..p {
            for b in 0..=a {
                s[a * p + b] += yr[a] * yr[b];
            }
        }
    }
    for a in 0..p {
        for b in 0..=a {
            s[a * p + b] /= n as f64;
            s[b * p + a] = s[a * p + b];
        }
    }
    let l = cholesky(&s, p).expect("sample covariance is positive definite");
    for r in y.chunks_mut(p) {
        forward_solve(&l, p, r);
    }
    y
}

/// Mardia's skewness b1,p = (1/n²) Σᵢⱼ (zᵢᵀ zⱼ)³ = Σ_abc m_abc², with m_abc the third sample
/// moments of the standardized rows (O(n p³ / 6)).
pub fn mardia_b1(z: &[f64], n: usize, p: usize) -> f64 {
    let mut b1 = 0.0;
    let mut m = vec![0.0; p];
    for a in 0..p {
        for b in a..p {
            m.iter_mut().for_each(|v| *v = 0.0);
            for r in z.chunks(p) {
                let t = r[a] * r[b];
                for c in b..p {
                    m[c] += t * r[c];
                }
            }
            for c in b..p {
                let mult = if a == b && b == c {
                    1.0
                } else if a == b || b == c {
                    3.0
                } else {
                    6.0
                };
                let v = m[c] / n as f64;
                b1 += mult * v * v;
            }
        }
    }
    b1
}

/// Mardia's kurtosis b2,p = (1/n) Σᵢ (zᵢᵀ zᵢ)².
pub fn mardia_b2(z: &[f64], n: usize, p: usize) -> f64 {
    z.chunks(p).map(|r| r.iter().map(|v| v * v).sum::<f64>().powi(2)).sum::<f64>() / n as f64
}

/// Mardia's skewness test on standardized rows `z` ([`standardize`]): (b1, p) with the small-sample corrected n·k·b1/6 ~ χ²(p(p+1)(p+2)/6)
/// (Mardia 1974, k = (p+1)(n+1)(n+3) / (n((n+1)(p+1) - 6))).
pub fn mardia_skewness(z: &[f64], n: usize, p: usize) -> (f64, f64) {
    let b1 = mardia_b1(z, n, p);
    let (nf, pf) = (n as f64, p as f64);
    let k = (pf + 1.0) * (nf + 1.0) * (nf + 3.0) / (nf * ((nf + 1.0) * (pf + 1.0) - 6.0));
    let dof = pf * (pf + 1.0) * (pf + 2.0) / 6.0;
    (b1, chi2_sf(nf * k * b1 / 6.0, dof))
}

/// Mardia's kurtosis test on standardized rows `z`: (b2, two-sided p) with the exact null mean p(p+2)(n-1)/(n+1) and
/// variance 8p(p+2)(n-3)(n-p-1)(n-p+1)/((n+1)²(n+3)(n+5)) and a normal approximation.
pub fn mardia_kurtosis(z: &[f64], n: usize, p: usize) -> (f64, f64) {
    let b2 = mardia_b2(z, n, p);
    let (nf, pf) = (n as f64, p as f64);
    let mean = pf * (pf + 2.0) * (nf - 1.0) / (nf + 1.0);
    let var = 8.0 * pf * (pf + 2.0) * (nf - 3.0) * (nf - pf - 1.0) * (nf - pf + 1.0) / ((nf + 1.0).powi(2) * (nf + 3.0) * (nf + 5.0));
    (b2, norm_two_sided((b2 - mean) / var.sqrt()))
}
