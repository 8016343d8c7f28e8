//! The CPU backend: the reference implementation and the fallback where no GPU exists.
//! Bit-exact with MLX's Linux CPU build for bits, uniform and normal.

use crate::alloc;
use crate::array::Array;
use crate::distribution::MultivariateNormal;
use crate::error::Result;
use crate::prng::bits;
use crate::prng::math;
use crate::request::{SampleRequest, Transform, WordsRequest};

/// Rows per parallel task.
#[cfg(not(target_arch = "wasm32"))]
const PAR_WORDS: usize = 1 << 14;

/// The whole `out.len()`-word stream of `key`, in parallel where available (blocks split into
/// runs, each writing its first-half and second-half words).
pub(crate) fn fill_words(key: [u32; 2], out: &mut [u32]) {
    #[cfg(not(target_arch = "wasm32"))]
    if out.len() > PAR_WORDS {
        use rayon::prelude::*;
        let layout = bits::Layout::new(out.len() as u32);
        let (first, second) = out.split_at_mut(layout.half as usize);
        let chunk = PAR_WORDS / 2;
        // The odd middle word (no partner) is the last of `first`, past `second`'s end.
        let (paired, middle) = first.split_at_mut(layout.full as usize);
        paired.par_chunks_mut(chunk).zip(second.par_chunks_mut(chunk)).enumerate().for_each(|(c, (xs, ys))| {
            bits::fill_pairs(key, layout, (c * chunk) as u32, xs, ys);
        });
        if let Some(w) = bits::middle_word(key, layout) {
            middle[0] = w;
        }
        return;
    }
    bits::fill_words(key, 0, out.len() as u32, out);
}

/// Words `start .. start + out.len()` of the `total`-word stream of `key`, in parallel where
/// available (a window of the stream: each block is hashed for the one word it gives here).
fn fill_range(key: [u32; 2], start: usize, total: usize, out: &mut [u32]) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(PAR_WORDS).enumerate().for_each(|(c, o)| bits::fill_words(key, (start + c * PAR_WORDS) as u32, total as u32, o));
    }
    #[cfg(target_arch = "wasm32")]
    let _ = (key, start, total, out);
}

/// Applies `f` to a chunk. `f32::mul_add` (erfinv's fma) is a true fma everywhere, but without
/// the `fma` target feature it is a libm call per use; a copy of the loop compiled with the
/// feature (chosen at run time; `f` is inlined into it) gives the same results several times
/// faster.
#[inline(always)]
fn map_chunk<F: Fn(u32) -> u32>(chunk: &mut [u32], f: &F) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "fma")]
        unsafe fn with_fma<F: Fn(u32) -> u32>(chunk: &mut [u32], f: &F) {
            chunk.iter_mut().for_each(|v| *v = f(*v));
        }
        if std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has the feature that the function was compiled for.
            unsafe { with_fma(chunk, f) };
            return;
        }
    }
    chunk.iter_mut().for_each(|v| *v = f(*v));
}

/// Applies `f` to every element in place, in parallel where available.
fn map_in_place(data: &mut [u32], f: impl Fn(u32) -> u32 + Sync + Send) {
    #[cfg(not(target_arch = "wasm32"))]
    if data.len() > PAR_WORDS {
        use rayon::prelude::*;
        data.par_chunks_mut(PAR_WORDS).for_each(|c| map_chunk(c, &f));
        return;
    }
    map_chunk(data, &f);
}

/// The words of `req`'s stream, transformed.
pub(crate) fn words(req: &WordsRequest) -> Result<Vec<u32>> {
    let ws = req.word_window();
    let mut w = alloc::zeroed::<u32>(req.op, ws.len())?;
    if req.is_windowed() {
        fill_range(req.key.0, ws.start, req.words, &mut w);
    } else {
        fill_words(req.key.0, &mut w);
    }
    match req.transform {
        Transform::Bits => {}
        Transform::Uniform { low, range } => map_in_place(&mut w, |b| math::uniform(b, low, range).to_bits()),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Transform::Normal { a, loc } => math::normals_x4(&mut w, a, Some(loc)),
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        Transform::Normal { a, loc } => map_in_place(&mut w, |b| math::normal(b, a, loc).to_bits()),
    }
    Ok(w)
}

/// Standard normals for words `words` of the `total`-word stream of `key`.
pub(crate) fn standard_normals(op: &str, key: [u32; 2], words: core::ops::Range<usize>, total: usize, windowed: bool) -> Result<Vec<f32>> {
    let mut w = alloc::zeroed::<u32>(op, words.len())?;
    if windowed {
        fill_range(key, words.start, total, &mut w);
    } else {
        fill_words(key, &mut w);
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    math::normals_x4(&mut w, math::SQRT2, None);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    map_in_place(&mut w, |b| math::standard_normal(b).to_bits());
    Ok(bytemuck::allocation::cast_vec(w))
}

/// `acc[j] += a * x[j]`: the product rounded, then the sum (no fused multiply-add), as the
/// reference order of the CPU path requires. Natively the compiler vectorizes the loop.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline]
fn axpy(acc: &mut [f32], a: f32, x: &[f32]) {
    for (y, &w) in acc.iter_mut().zip(x) {
        *y += a * w;
    }
}

/// The rows' product `z R` in wasm SIMD, tiled so that its sums stay in registers: each tile of
/// 4 rows by 8 columns accumulates over `l` in 8 lanes-registers, reading a block of R's rows
/// from the cache for every tile of rows (the size-optimized build leaves the plain loop scalar,
/// and its sums in memory). Every sum runs over `l` in increasing order with separately rounded
/// products: the same bits as the reference loop (a triangular R adds its exact zeros).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod tiled {
    use core::arch::wasm32::*;

    /// Rows of R per block (a block of 8 columns is 4 KB of them: kept in L1 across row tiles).
    const L_BLOCK: usize = 128;

    /// `out = z R` (`out` zeroed; rows of `n` values; `z` as many rows as `out`).
    pub(super) fn product(r: &[f32], n: usize, tri: bool, z: &[f32], out: &mut [f32]) {
        let rows = out.len() / n;
        let n8 = n / 8 * 8;
        for lb in (0..n).step_by(L_BLOCK) {
            for j0 in (0..n8).step_by(8) {
                let l_end = if tri { (j0 + 8).min(n) } else { n }.min(lb + L_BLOCK);
                if lb >= l_end {
                    continue;
                }
                let mut k = 0;
                while k + 4 <= rows {
                    tile::<4>(r, n, z, out, k, j0, lb..l_end);
                    k += 4;
                }
                while k < rows {
                    tile::<1>(r, n, z, out, k, j0, lb..l_end);
                    k += 1;
                }
            }
        }
        // Columns past the last multiple of 8, one sum at a time in the same order.
        for j in n8..n {
            let l_end = if tri { j + 1 } else { n };
            for k in 0..rows {
                let (zk, mut acc) = (&z[k * n..(k + 1) * n], 0.0f32);
                for l in 0..l_end {
                    acc += zk[l] * r[l * n + j];
                }
                out[k * n + j] = acc;
            }
        }
    }

    /// Adds `sum over l in ls of z[k + i, l] R[l, j0..j0 + 8]` to `out[k + i, j0..j0 + 8]`
    /// for the `K` (4 or 1) rows `k..k + K`, the 2 K sums written out as variables (arrays
    /// and loops over them would stay in memory in the size-optimized build).
    #[inline(always)]
    fn tile<const K: usize>(r: &[f32], n: usize, z: &[f32], out: &mut [f32], k: usize, j0: usize, ls: core::ops::Range<usize>) {
        assert!((K == 4 || K == 1) && (k + K) * n <= out.len() && (k + K) * n <= z.len() && ls.end * n <= r.len() && j0 + 8 <= n);
        let (o, zp, rp) = (out.as_mut_ptr(), z.as_ptr(), r.as_ptr());
        // SAFETY: rows k..k + K of out and z, and rows ls of R, columns j0..j0 + 8 <= n, are in
        // bounds (asserted above); v128 loads and stores need no alignment.
        unsafe {
            let at = |i: usize| o.add((k + i) * n + j0) as *mut v128;
            let zk = |i: usize, l: usize| f32x4_splat(*zp.add((k + i) * n + l));
            let step = |a: v128, zi: v128, r: v128| f32x4_add(a, f32x4_mul(zi, r));
            let load2 = |p: *mut v128| (v128_load(p), v128_load(p.add(1)));
            let (mut a0, mut b0) = load2(at(0));
            if K == 1 {
                for l in ls {
                    let rl = rp.add(l * n + j0) as *const v128;
                    let (r0, r1, z0) = (v128_load(rl), v128_load(rl.add(1)), zk(0, l));
                    (a0, b0) = (step(a0, z0, r0), step(b0, z0, r1));
                }
            } else {
                let ((mut a1, mut b1), (mut a2, mut b2), (mut a3, mut b3)) = (load2(at(1)), load2(at(2)), load2(at(3)));
                for l in ls {
                    let rl = rp.add(l * n + j0) as *const v128;
                    let (r0, r1) = (v128_load(rl), v128_load(rl.add(1)));
                    let (z0, z1, z2, z3) = (zk(0, l), zk(1, l), zk(2, l), zk(3, l));
                    (a0, b0, a1, b1) = (step(a0, z0, r0), step(b0, z0, r1), step(a1, z1, r0), step(b1, z1, r1));
                    (a2, b2, a3, b3) = (step(a2, z2, r0), step(b2, z2, r1), step(a3, z3, r0), step(b3, z3, r1));
                }
                for (i, (a, b)) in [(a1, b1), (a2, b2), (a3, b3)].into_iter().enumerate() {
                    v128_store(at(i + 1), a);
                    v128_store(at(i + 1).add(1), b);
                }
            }
            v128_store(at(0), a0);
            v128_store(at(0).add(1), b0);
        }
    }
}

/// `out[b, j] = mean[b, j] + sum_l z[b, l] R[b][l, j]` for a block of rows starting at
/// `row0`, accumulating in increasing `l` with separately rounded products (as reference BLAS).
fn affine_rows(dist: &MultivariateNormal, req: &SampleRequest, row0: usize, block: &mut [f32]) {
    let n = req.n;
    let nn = n * n;
    let (factors, fmap, mean) = (dist.factors(), dist.factor_of_cov(), dist.mean_data());
    let tri = dist.is_triangular();
    // Up to GROUP consecutive rows with the same factor take each row of R in turn, so a row of
    // R is read once from memory for all of them (for large n, R does not fit in the cache).
    // Each output still sums over l in increasing order: the same bits as one row at a time.
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    const GROUP: usize = 8;
    // The tiled kernel keeps a block of R in the cache for all the group's rows.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    const GROUP: usize = 64;
    let mut z = vec![0f32; GROUP * n];
    let rows = block.len() / n.max(1);
    let factor_of = |b: usize| fmap[req.cov_map.index(b)] as usize;
    let mut r = 0;
    while r < rows {
        let f = factor_of(row0 + r);
        let g = (1..GROUP.min(rows - r)).take_while(|&k| factor_of(row0 + r + k) == f).count() + 1;
        let rows_g = &mut block[r * n..(r + g) * n];
        z[..g * n].copy_from_slice(rows_g);
        rows_g.iter_mut().for_each(|v| *v = 0.0);
        let rm = &factors[f * nn..(f + 1) * nn];
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        tiled::product(rm, n, tri, &z[..g * n], rows_g);
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        for l in 0..n {
            let start = if tri { l } else { 0 };
            let rl = &rm[l * n + start..(l + 1) * n];
            for (k, row) in rows_g.chunks_exact_mut(n).enumerate() {
                axpy(&mut row[start..], z[k * n + l], rl);
            }
        }
        for (k, row) in rows_g.chunks_exact_mut(n).enumerate() {
            let m = &mean[req.mean_map.index(row0 + r + k) * n..][..n];
            for (v, &mj) in row.iter_mut().zip(m) {
                *v += mj;
            }
        }
        r += g;
    }
}

/// `z R + mean` for one shared factor as a blocked matrix product (faer's f32 GEMM): for large
/// n this is several times faster than the row loop; the sums are ordered differently, within
/// float32 round-off of the reference order. Native only: in the npm package's wasm it would add
/// about 16 KB (gzipped) for a path that has no threads there.
#[cfg(not(target_arch = "wasm32"))]
fn affine_gemm(dist: &MultivariateNormal, req: &SampleRequest, z: Vec<f32>) -> Result<Vec<f32>> {
    use faer::{MatMut, MatRef};
    let (n, row0) = (req.n, req.first_row());
    let rows = req.drawn_len() / n;
    let mut out = alloc::zeroed::<f32>(req.op, rows * n)?;
    let par = faer::Par::rayon(0);
    faer::linalg::matmul::matmul(
        MatMut::from_row_major_slice_mut(&mut out, rows, n),
        faer::Accum::Replace,
        MatRef::from_row_major_slice(&z, rows, n),
        MatRef::from_row_major_slice(dist.factors(), n, n),
        1.0f32,
        par,
    );
    drop(z);
    let mean = dist.mean_data();
    for (r, row) in out.chunks_exact_mut(n).enumerate() {
        let m = &mean[req.mean_map.index(row0 + r) * n..][..n];
        row.iter_mut().zip(m).for_each(|(v, &mj)| *v += mj);
    }
    Ok(out)
}

#[cfg(not(target_arch = "wasm32"))]
/// Dimension from which the blocked product pays off (one shared factor; measured on 2 cores:
/// 2.6x faster at n = 512, slower at n = 64).
const GEMM_MIN_N: usize = 128;

/// Draws `req` from `dist` on the CPU (the window's rows, with the whole output's shape unless
/// windowed: then `[rows, n]`).
pub(crate) fn sample(dist: &MultivariateNormal, req: &SampleRequest) -> Result<Array> {
    let (len, row0) = (req.drawn_len(), req.first_row());
    let mut out = standard_normals(req.op, req.key.0, row0 * req.n..row0 * req.n + len, req.len(), req.is_windowed())?;
    #[cfg(not(target_arch = "wasm32"))]
    if len > 0 && req.n >= GEMM_MIN_N && dist.factors().len() == req.n * req.n {
        let out = affine_gemm(dist, req, out)?;
        return Ok(Array::from_parts(req.drawn_shape(), out));
    }
    if len > 0 {
        #[cfg(not(target_arch = "wasm32"))]
        {
            use rayon::prelude::*;
            let n = req.n;
            let rows_per = (PAR_WORDS / n).max(1);
            out.par_chunks_mut(rows_per * n)
                .enumerate()
                .for_each(|(c, block)| affine_rows(dist, req, row0 + c * rows_per, block));
        }
        #[cfg(target_arch = "wasm32")]
        affine_rows(dist, req, row0, &mut out);
    }
    Ok(Array::from_parts(req.drawn_shape(), out))
}
