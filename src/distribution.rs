//! `MultivariateNormal`: mean and covariance validated and factored once, sampled many times.

use crate::alloc;
use crate::array::Array;
use crate::cholesky;
use crate::error::{Error, ErrorKind, Result};
use crate::linalg::{self, FactorMethod, FactorReport};
use crate::options::{Method, Options};
use crate::shape::{broadcast_shapes, check_shape, fmt_shape, numel};
use std::sync::OnceLock;

pub(crate) const OP: &str = "multivariate_normal";

/// One distinct covariance's factorization (its `R` is in `factors`). Small: a batch may hold
/// 2^26 of them.
struct FactorEntry {
    /// The first covariance of the batch with this matrix.
    batch_index: u32,
    method_used: FactorMethod,
    /// What the eigendecomposition paths found; `None` after a plain Cholesky.
    detail: Option<Box<Detail>>,
}

struct Detail {
    report: Option<FactorReport>,
    warning: Option<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Pending,
    Done,
    Failed,
}

/// Warnings kept per distribution (`on_invalid = warn`): the first ones, then a count.
const MAX_WARNINGS: usize = 8;

/// A multivariate normal distribution `mean (..., n)`, `cov (..., n, n)`, validated and
/// factored once (each distinct covariance of the batch once), then sampled with any key and
/// shape, on the CPU ([`MultivariateNormal::sample`]) or the GPU ([`crate::Sampler::sample`]).
///
/// # Example
/// ```
/// use mvn_gpu::{Array, MultivariateNormal, Options, key};
/// let mean = Array::new([2], vec![1.0, -1.0])?;
/// let cov = Array::new([2, 2], vec![2.0, 0.5, 0.5, 1.0])?;
/// let mvn = MultivariateNormal::new(&mean, &cov, &Options::default())?;
/// let x = mvn.sample(&[1000], Some(key(0)))?;
/// assert_eq!(x.shape(), &[1000, 2]);
/// # Ok::<(), mvn_gpu::Error>(())
/// ```
pub struct MultivariateNormal {
    n: usize,
    method: Method,
    mean: Vec<f32>,
    mean_batch: Vec<usize>,
    cov_batch: Vec<usize>,
    /// `R` matrices (`x = mean + z R`), `n * n` each, one per distinct covariance.
    factors: Vec<f32>,
    /// For each covariance of the batch, the index of its factor.
    factor_of_cov: Vec<u32>,
    entries: Vec<FactorEntry>,
    triangular: bool,
    warnings: Vec<String>,
    reports: OnceLock<Vec<FactorReport>>,
}

pub(crate) fn check_finite(what: &str, a: &Array) -> Result<()> {
    // A branch-free scan per block, in parallel natively for large inputs; the first bad index
    // is then found in order.
    let bad_block = has_non_finite;
    #[cfg(not(target_arch = "wasm32"))]
    let any_bad = {
        use rayon::prelude::*;
        if a.data().len() >= 1 << 18 { a.data().par_chunks(1 << 14).any(bad_block) } else { bad_block(a.data()) }
    };
    #[cfg(target_arch = "wasm32")]
    let any_bad = bad_block(a.data());
    if !any_bad {
        return Ok(());
    }
    if let Some(i) = a.data().iter().position(|v| !v.is_finite()) {
        let mut coords = vec![0usize; a.ndim()];
        let mut rem = i;
        for k in (0..a.ndim()).rev() {
            coords[k] = rem % a.shape()[k];
            rem /= a.shape()[k];
        }
        return Err(Error::new(
            ErrorKind::NonFinite,
            OP,
            format!(
                "{what} contains {} at index {}.{}",
                crate::numtext::f32(a.data()[i]),
                fmt_shape(&coords),
                // A finite input beyond float32's range arrives here as inf.
                if a.data()[i].is_infinite() { " Inputs are float32: a value beyond ±3.4028235e38 (e.g. 1e39) becomes inf." } else { "" }
            ),
        ));
    }
    Ok(())
}

pub(crate) fn check_shapes(mean: &Array, cov: &Array, what: &str) -> Result<(usize, Vec<usize>, Vec<usize>)> {
    shapes_of(mean.shape(), cov.shape(), what)
}

/// `n` and the batch shapes of a mean of shape `ms` and a cov (or scale_tril, `what`) of shape
/// `cs`, checked as [`MultivariateNormal::new`] checks them.
pub(crate) fn shapes_of(ms: &[usize], cs: &[usize], what: &str) -> Result<(usize, Vec<usize>, Vec<usize>)> {
    if ms.is_empty() {
        return Err(Error::new(ErrorKind::InvalidShape, OP, "mean must have at least one dimension."));
    }
    if cs.len() < 2 {
        return Err(Error::new(ErrorKind::InvalidShape, OP, format!("{what} must have at least two dimensions.")));
    }
    if cs[cs.len() - 1] != cs[cs.len() - 2] {
        return Err(Error::new(
            ErrorKind::InvalidShape,
            OP,
            format!("last two dimensions of {what} must be equal, got shape {}.", fmt_shape(cs)),
        ));
    }
    let n = ms[ms.len() - 1];
    if n != cs[cs.len() - 1] {
        return Err(Error::new(
            ErrorKind::InvalidShape,
            OP,
            format!("mean and {what} must have compatible shapes, got {} and {}.", fmt_shape(ms), fmt_shape(cs)),
        ));
    }
    let mean_batch = ms[..ms.len() - 1].to_vec();
    let cov_batch = cs[..cs.len() - 2].to_vec();
    broadcast_shapes(OP, &cov_batch, &mean_batch, BATCHES)?;
    Ok((n, mean_batch, cov_batch))
}

/// The batch shapes in a broadcast error: cov's `(..., n, n)` and mean's `(..., n)` without `n`.
const BATCHES: [&str; 2] = ["cov's batch", "mean's batch"];

/// The output shape of a draw with `shape` from batches `mean_batch` and `cov_batch` of
/// dimension `n`: `broadcast(shape, batch) + (n,)`.
pub(crate) fn output_shape_of(n: usize, mean_batch: &[usize], cov_batch: &[usize], shape: &[i64]) -> Result<Vec<usize>> {
    let shape = check_shape(OP, shape)?;
    let batch = broadcast_shapes(OP, cov_batch, mean_batch, BATCHES)?;
    let mut out = broadcast_shapes(OP, &batch, &shape, ["the batch of mean and cov", "the sample shape"])?;
    out.push(n);
    numel(OP, &out)?;
    Ok(out)
}

/// The tolerance of `options` for dimension `n`, checked.
pub(crate) fn tolerance_of(options: &Options, n: usize) -> Result<f64> {
    let tol = options.tolerance.unwrap_or_else(|| linalg::default_tolerance(n));
    if !(tol >= 0.0 && tol.is_finite()) {
        return Err(Error::new(ErrorKind::InvalidArgument, OP, format!("tolerance must be finite and >= 0, got {}.", crate::numtext::f64(tol))));
    }
    // A relative tolerance of 1 or more would accept any matrix as symmetric and PSD.
    if tol >= 1.0 {
        return Err(Error::new(ErrorKind::InvalidArgument, OP, format!("tolerance must be below 1 (a relative tolerance of 1 or more accepts any matrix), got {}.", crate::numtext::g(tol))));
    }
    Ok(tol)
}

/// The distinct matrices among `num_cov` matrices of `nn` values (their first indices) and, for
/// each matrix, the index of its distinct one. Hashes each matrix's bits (in parallel natively)
/// into an open-addressing table; equal hashes are confirmed bit for bit.
fn dedupe(data: &[f32], num_cov: usize, nn: usize) -> Result<(Vec<u32>, Vec<u32>)> {
    #[cfg(not(target_arch = "wasm32"))]
    if num_cov == 1 {
        // Nothing to compare: skip hashing a large matrix (natively: in the npm package's wasm the
        // shortcut costs more size than it has left).
        return Ok((vec![0], vec![0]));
    }
    let bits: &[u32] = bytemuck::cast_slice(data);
    let hash = |c: usize| -> u64 {
        // Four independent polynomial lanes in u32 (they vectorize), then a 64-bit mix. Equal
        // hashes are confirmed bit for bit, so the hash needs to be fast more than strong.
        let h = hash_lanes(&bits[c * nn..(c + 1) * nn]);
        let mut x = ((h[0] as u64) << 32 | h[1] as u64) ^ ((h[2] as u64) << 32 | h[3] as u64).rotate_left(29) ^ nn as u64;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        x ^ (x >> 33)
    };
    let mut hashes = alloc::zeroed::<u64>(OP, num_cov)?;
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        hashes.par_iter_mut().enumerate().with_min_len(1024).for_each(|(c, h)| *h = hash(c));
    }
    #[cfg(target_arch = "wasm32")]
    hashes.iter_mut().enumerate().for_each(|(c, h)| *h = hash(c));
    let cap = num_cov.checked_mul(2).map_or(usize::MAX, usize::next_power_of_two).max(2);
    let mut table = alloc::filled(OP, cap, u32::MAX)?; // distinct index, or MAX when empty
    let mut distinct: Vec<u32> = Vec::new();
    let mut factor_of_cov = alloc::with_capacity(OP, num_cov)?;
    for c in 0..num_cov {
        let h = hashes[c];
        let mut slot = (h as usize) & (cap - 1);
        let idx = loop {
            let d = table[slot];
            if d == u32::MAX {
                distinct.try_reserve(1).map_err(|_| Error::new(ErrorKind::TooLarge, OP, "cannot allocate the list of distinct covariances."))?;
                table[slot] = distinct.len() as u32;
                distinct.push(c as u32);
                break table[slot];
            }
            let first = distinct[d as usize] as usize;
            if hashes[first] == h && bits[first * nn..(first + 1) * nn] == bits[c * nn..(c + 1) * nn] {
                break d;
            }
            slot = (slot + 1) & (cap - 1);
        };
        factor_of_cov.push(idx);
    }
    Ok((distinct, factor_of_cov))
}

const HASH_SEEDS: [u32; 4] = [0x9e37_79b9, 0x85eb_ca6b, 0xc2b2_ae35, 0x27d4_eb2f];
const HASH_MUL: u32 = 0x0100_0193;

/// Four polynomial hash lanes over `m`: word `i` goes to lane `i % 4`.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn hash_lanes(m: &[u32]) -> [u32; 4] {
    let mut h = HASH_SEEDS;
    for (i, &w) in m.iter().enumerate() {
        h[i & 3] = h[i & 3].wrapping_mul(HASH_MUL).wrapping_add(w);
    }
    h
}

/// [`hash_lanes`] in one SIMD vector (the size-optimized wasm build leaves the loop scalar).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn hash_lanes(m: &[u32]) -> [u32; 4] {
    use core::arch::wasm32::*;
    let mut h = u32x4(HASH_SEEDS[0], HASH_SEEDS[1], HASH_SEEDS[2], HASH_SEEDS[3]);
    let mut chunks = m.chunks_exact(4);
    for w in &mut chunks {
        // SAFETY: the chunk holds four u32s; v128 loads need no alignment.
        h = i32x4_add(i32x4_mul(h, u32x4_splat(HASH_MUL)), unsafe { v128_load(w.as_ptr() as *const v128) });
    }
    let mut out = [u32x4_extract_lane::<0>(h), u32x4_extract_lane::<1>(h), u32x4_extract_lane::<2>(h), u32x4_extract_lane::<3>(h)];
    for (l, &w) in chunks.remainder().iter().enumerate() {
        out[l] = out[l].wrapping_mul(HASH_MUL).wrapping_add(w);
    }
    out
}

/// Whether `c` holds a NaN or an infinity: the floats whose magnitude bits are at least those of
/// infinity (a branch-free scan).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn has_non_finite(c: &[f32]) -> bool {
    bytemuck::cast_slice::<f32, u32>(c).iter().fold(0u32, |m, &b| m.max(b & 0x7fff_ffff)) >= 0x7f80_0000
}

/// [`has_non_finite`] four lanes at a time.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn has_non_finite(c: &[f32]) -> bool {
    use core::arch::wasm32::*;
    let bits: &[u32] = bytemuck::cast_slice(c);
    let mut chunks = bits.chunks_exact(4);
    let mut m = u32x4_splat(0);
    for w in &mut chunks {
        // SAFETY: the chunk holds four u32s; v128 loads need no alignment.
        m = u32x4_max(m, v128_and(unsafe { v128_load(w.as_ptr() as *const v128) }, u32x4_splat(0x7fff_ffff)));
    }
    let lanes = [u32x4_extract_lane::<0>(m), u32x4_extract_lane::<1>(m), u32x4_extract_lane::<2>(m), u32x4_extract_lane::<3>(m)];
    lanes.into_iter().chain(chunks.remainder().iter().map(|b| b & 0x7fff_ffff)).max().unwrap_or(0) >= 0x7f80_0000
}

/// Runs `f` on each distinct covariance's slot in `factors`, its entry and its state: in
/// parallel natively (at least `min_len` matrices per task), in order in wasm.
fn for_each_factor(
    factors: &mut [f32],
    nn: usize,
    entries: &mut [FactorEntry],
    state: &mut [State],
    min_len: usize,
    f: impl Fn(&mut [f32], &mut FactorEntry, &mut State) + Sync + Send,
) {
    if nn == 0 {
        entries.iter_mut().zip(state).for_each(|(e, s)| f(&mut [], e, s));
        return;
    }
    #[cfg(not(target_arch = "wasm32"))]
    if min_len < entries.len() {
        use rayon::prelude::*;
        factors.par_chunks_mut(nn).zip(entries.par_iter_mut()).zip(state.par_iter_mut()).with_min_len(min_len).for_each(|((r, e), s)| f(r, e, s));
        return;
    }
    let _ = min_len;
    factors.chunks_mut(nn).zip(entries.iter_mut()).zip(state.iter_mut()).for_each(|((r, e), s)| f(r, e, s));
}

/// The allocation-free Cholesky of every small matrix, [`cholesky::LANES`] at a time (in
/// parallel natively); a matrix it does not take stays `Pending` for `linalg::factor`.
fn small_cholesky_pass(data: &[f32], n: usize, tol: f64, factors: &mut [f32], entries: &[FactorEntry], state: &mut [State]) {
    use cholesky::LANES;
    let nn = n * n;
    let cov = |e: &FactorEntry| &data[e.batch_index as usize * nn..][..nn];
    let group = |(rs, (es, sts)): (&mut [f32], (&[FactorEntry], &mut [State]))| {
        if es.len() == LANES {
            let mut slots = rs.chunks_mut(nn);
            let slots: [&mut [f32]; LANES] = std::array::from_fn(|_| slots.next().expect("LANES slots"));
            let ok = cholesky::small_cholesky_batch(std::array::from_fn(|q| cov(&es[q])), n, tol, slots);
            sts.iter_mut().zip(ok).filter(|(_, ok)| *ok).for_each(|(s, _)| *s = State::Done);
        } else {
            for ((r, e), s) in rs.chunks_mut(nn).zip(es).zip(sts.iter_mut()) {
                if cholesky::small_cholesky_into(cov(e), n, tol, r) {
                    *s = State::Done;
                }
            }
        }
    };
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        factors.par_chunks_mut(LANES * nn).zip(entries.par_chunks(LANES).zip(state.par_chunks_mut(LANES))).with_min_len(128).for_each(group);
    }
    #[cfg(target_arch = "wasm32")]
    factors.chunks_mut(LANES * nn).zip(entries.chunks(LANES).zip(state.chunks_mut(LANES))).for_each(group);
}

/// The clipping warnings in batch order: the first [`MAX_WARNINGS`], then how many more.
fn collect_warnings(entries: &[FactorEntry]) -> Vec<String> {
    let mut all = entries.iter().filter_map(|e| e.detail.as_ref().and_then(|d| d.warning.clone()));
    let mut out: Vec<String> = all.by_ref().take(MAX_WARNINGS).collect();
    let more = all.count();
    if more > 0 {
        out.push(format!("[{OP}] {more} more covariances had negative eigenvalues clipped to 0 (only the first {MAX_WARNINGS} are listed)."));
    }
    out
}

impl MultivariateNormal {
    /// Validates `mean (..., n)` and `cov (..., n, n)` and factors every distinct covariance.
    ///
    /// # Errors
    /// - [`ErrorKind::InvalidDtype`] unless `options.dtype` is float32;
    /// - [`ErrorKind::InvalidShape`] for a 0-d mean, a cov with fewer than two dimensions, a
    ///   non-square cov, or a mean whose last dimension differs from cov's;
    /// - [`ErrorKind::BroadcastError`] when the batch shapes do not broadcast;
    /// - [`ErrorKind::NonFinite`] for NaN or infinity in mean or cov;
    /// - [`ErrorKind::NotSymmetric`] for a cov whose asymmetry exceeds the tolerance;
    /// - [`ErrorKind::NotPositiveSemidefinite`] for a negative eigenvalue beyond the tolerance
    ///   with `on_invalid = raise` (the message names the batch index and the eigenvalue).
    pub fn new(mean: &Array, cov: &Array, options: &Options) -> Result<Self> {
        let mut prof = crate::profile::Profile::start();
        options.dtype.require_float32(OP)?;
        let (n, mean_batch, cov_batch) = check_shapes(mean, cov, "cov")?;
        check_finite("mean", mean)?;
        check_finite("cov", cov)?;
        let tol = tolerance_of(options, n)?;
        let num_cov: usize = cov_batch.iter().product();
        // n = 0: every covariance is the same empty matrix, and nothing is ever sampled from
        // it; one entry stands for them all (a batch of 2^31 empty matrices costs nothing).
        let num_cov = if n == 0 { num_cov.min(1) } else { num_cov };
        let nn = n * n;
        prof.mark("validate");
        // Deduplicate identical matrices so each distinct covariance is factored once.
        let (distinct, factor_of_cov) = dedupe(cov.data(), num_cov, nn)?;
        prof.mark("dedupe");
        // Everything the batch's size decides is allocated here, before any factoring.
        let count = distinct.len();
        let mut factors = alloc::zeroed::<f32>(OP, alloc::product::<f32>(OP, count, nn)?)?;
        let mut entries = alloc::with_capacity::<FactorEntry>(OP, count)?;
        entries.extend(distinct.iter().map(|&c| FactorEntry { batch_index: c, method_used: FactorMethod::Cholesky, detail: None }));
        let mut state = alloc::filled(OP, count, State::Pending)?;
        let mean_data = alloc::copied(OP, mean.data())?;
        let data = cov.data();
        prof.mark("allocate factors");
        // Batches of small matrices: an allocation-free Cholesky straight into `factors`; a
        // matrix it does not take goes through `linalg::factor` in the second pass.
        if options.method == Method::Cholesky && n <= cholesky::SMALL_N && n > 0 {
            small_cholesky_pass(data, n, tol, &mut factors, &entries, &mut state);
            prof.mark("factor (batched small Cholesky)");
        }
        let factor_one = |c: usize, r: &mut [f32]| linalg::factor(&data[c * nn..(c + 1) * nn], n, options.method, options.on_invalid, tol, c, r);
        // Large matrices one at a time (each uses the host's cores natively); small ones in
        // parallel. A failure is only marked here: the first failing matrix in batch order is
        // factored again below for its error, so the error does not depend on scheduling.
        let min_len = if n <= 64 { 1 } else { usize::MAX };
        for_each_factor(&mut factors, nn, &mut entries, &mut state, min_len, |r, e, st| {
            if *st != State::Pending {
                return;
            }
            match factor_one(e.batch_index as usize, r) {
                Ok(f) => {
                    e.method_used = f.method_used;
                    e.detail = (f.report.is_some() || f.clipped_warning.is_some()).then(|| Box::new(Detail { report: f.report, warning: f.clipped_warning }));
                    *st = State::Done;
                }
                Err(_) => *st = State::Failed,
            }
        });
        prof.mark("factor");
        if let Some(i) = state.iter().position(|s| *s == State::Failed) {
            let mut scratch = alloc::zeroed::<f32>(OP, nn)?;
            factor_one(entries[i].batch_index as usize, &mut scratch)?;
        }
        let triangular = entries.iter().all(|e| matches!(e.method_used, FactorMethod::Cholesky | FactorMethod::CholeskyPsd));
        let warnings = collect_warnings(&entries);
        prof.mark("assemble factors");
        Ok(MultivariateNormal {
            n,
            method: options.method,
            mean: mean_data,
            mean_batch,
            cov_batch,
            factors,
            factor_of_cov,
            entries,
            triangular: triangular && n > 0,
            warnings,
            reports: OnceLock::new(),
        })
    }

    /// A distribution from a lower-triangular factor `scale_tril (..., n, n)` with
    /// `cov = L Lᵀ` (nothing is factored).
    ///
    /// # Errors
    /// As [`MultivariateNormal::new`] for shapes and non-finite values, and
    /// [`ErrorKind::InvalidArgument`] when an entry above the diagonal is not zero.
    pub fn from_scale_tril(mean: &Array, scale_tril: &Array) -> Result<Self> {
        let (n, mean_batch, cov_batch) = check_shapes(mean, scale_tril, "scale_tril")?;
        check_finite("mean", mean)?;
        check_finite("scale_tril", scale_tril)?;
        let nn = n * n;
        Self::from_factors(mean, n, mean_batch, cov_batch, FactorMethod::ScaleTril, true, |b, r| {
            let l = &scale_tril.data()[b * nn..(b + 1) * nn];
            for i in 0..n {
                for j in 0..n {
                    let v = l[i * n + j];
                    if j > i && v != 0.0 {
                        return Err(Error::new(
                            ErrorKind::InvalidArgument,
                            OP,
                            format!("scale_tril must be lower triangular: batch index {b} has {} at ({i},{j}).", crate::numtext::f32(v)),
                        ));
                    }
                    r[j * n + i] = v; // R = Lᵀ
                }
            }
            Ok(())
        })
    }

    /// A distribution whose factors are given, not found (`scale_tril`, `diag`, `precision`):
    /// one per covariance of the batch, `fill(b, r)` writing factor `b` into the zeroed `r`.
    /// `upper`: every factor is upper triangular (the kernels then skip its zeros).
    pub(crate) fn from_factors(
        mean: &Array,
        n: usize,
        mean_batch: Vec<usize>,
        cov_batch: Vec<usize>,
        method_used: FactorMethod,
        upper: bool,
        mut fill: impl FnMut(usize, &mut [f32]) -> Result<()>,
    ) -> Result<Self> {
        let nn = n * n;
        let num = cov_batch.iter().product::<usize>();
        let num = if n == 0 { num.min(1) } else { num };
        let mut factors = alloc::zeroed::<f32>(OP, alloc::product::<f32>(OP, num, nn)?)?;
        let mut entries = alloc::with_capacity::<FactorEntry>(OP, num)?;
        entries.extend((0..num).map(|b| FactorEntry { batch_index: b as u32, method_used, detail: None }));
        let mut factor_of_cov = alloc::with_capacity::<u32>(OP, num)?;
        factor_of_cov.extend(0..num as u32);
        let mean_data = alloc::copied(OP, mean.data())?;
        if nn > 0 {
            for (b, r) in factors.chunks_exact_mut(nn).enumerate() {
                fill(b, r)?;
            }
        }
        Ok(MultivariateNormal {
            n,
            method: Method::Cholesky,
            mean: mean_data,
            mean_batch,
            cov_batch,
            factors,
            factor_of_cov,
            entries,
            triangular: upper && n > 0,
            warnings: Vec::new(),
            reports: OnceLock::new(),
        })
    }

    /// The dimension `n`.
    pub fn dim(&self) -> usize {
        self.n
    }

    /// The broadcast batch shape of mean and cov.
    pub fn batch_shape(&self) -> Vec<usize> {
        broadcast_shapes(OP, &self.cov_batch, &self.mean_batch, BATCHES).expect("checked in new")
    }

    /// The output shape of a draw with `shape`: `broadcast(shape, batch_shape) + (n,)`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidShape`] for a negative dimension, [`ErrorKind::BroadcastError`]
    /// when `shape` does not broadcast with the batch, [`ErrorKind::TooLarge`] beyond
    /// [`crate::MAX_ELEMENTS`] values.
    pub fn output_shape(&self, shape: &[i64]) -> Result<Vec<usize>> {
        output_shape_of(self.n, &self.mean_batch, &self.cov_batch, shape)
    }

    /// One report per distinct covariance: method used, rank, extreme eigenvalues, clipping.
    /// Computed on first use (an eigendecomposition per plain-Cholesky factor) and kept.
    ///
    /// # Errors
    /// [`ErrorKind::TooLarge`] when the reports of a huge batch cannot be allocated.
    pub fn reports(&self) -> Result<&[FactorReport]> {
        if let Some(r) = self.reports.get() {
            return Ok(r);
        }
        let nn = self.n * self.n;
        let mut all = alloc::with_capacity(OP, self.entries.len())?;
        all.extend(self.entries.iter().enumerate().map(|(i, e)| match e.detail.as_ref().and_then(|d| d.report.clone()) {
            Some(r) => r,
            None => linalg::report_from_r(&self.factors[i * nn..(i + 1) * nn], self.n, self.method, e.method_used, e.batch_index as usize),
        }));
        Ok(self.reports.get_or_init(|| all))
    }

    /// The number of distinct covariances: factors, and reports.
    pub fn num_factors(&self) -> usize {
        self.entries.len()
    }

    /// Warnings recorded while factoring (`on_invalid = warn`).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Whether every factor is upper triangular in the row-vector form (Cholesky, scale_tril).
    pub fn is_triangular(&self) -> bool {
        self.triangular
    }

    /// The factors `R` (`x = mean + z R`), `n * n` row-major each, one per distinct covariance.
    pub fn factors(&self) -> &[f32] {
        &self.factors
    }

    pub(crate) fn factor_of_cov(&self) -> &[u32] {
        &self.factor_of_cov
    }

    pub(crate) fn mean_data(&self) -> &[f32] {
        &self.mean
    }

    /// How factor `f` was made.
    pub(crate) fn method_used_of(&self, f: usize) -> FactorMethod {
        self.entries[f].method_used
    }

    /// The batch shapes of mean and cov, before broadcasting.
    pub(crate) fn batch_shapes(&self) -> (&[usize], &[usize]) {
        (&self.mean_batch, &self.cov_batch)
    }
}
