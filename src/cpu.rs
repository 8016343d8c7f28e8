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
    let mut w = alloc::zeroed::<u32>(req.op, req.words)?;
    fill_words(req.key.0, &mut w);
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

/// Standard normals for the `len`-word stream of `key`.
fn standard_normals(op: &str, key: [u32; 2], len: usize) -> Result<Vec<f32>> {
    let mut w = alloc::zeroed::<u32>(op, len)?;
    fill_words(key, &mut w);
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

/// [`axpy`] four lanes at a time in wasm, where the size-optimized build leaves the loop
/// scalar (most of a CPU draw's time for n = 64 and more).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline]
fn axpy(acc: &mut [f32], a: f32, x: &[f32]) {
    use core::arch::wasm32::*;
    let len = acc.len().min(x.len());
    let av = f32x4_splat(a);
    let mut j = 0;
    while j + 4 <= len {
        // SAFETY: j + 4 <= len, within both slices; v128 loads and stores need no alignment.
        unsafe {
            let py = acc.as_mut_ptr().add(j) as *mut v128;
            let px = x.as_ptr().add(j) as *const v128;
            v128_store(py, f32x4_add(v128_load(py), f32x4_mul(av, v128_load(px))));
        }
        j += 4;
    }
    for k in j..len {
        acc[k] += a * x[k];
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
    const GROUP: usize = 8;
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
    let (rows, n) = (req.rows, req.n);
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
        let m = &mean[req.mean_map.index(r) * n..][..n];
        row.iter_mut().zip(m).for_each(|(v, &mj)| *v += mj);
    }
    Ok(out)
}

#[cfg(not(target_arch = "wasm32"))]
/// Dimension from which the blocked product pays off (one shared factor; measured on 2 cores:
/// 2.6x faster at n = 512, slower at n = 64).
const GEMM_MIN_N: usize = 128;

/// Draws `req` from `dist` on the CPU.
pub(crate) fn sample(dist: &MultivariateNormal, req: &SampleRequest) -> Result<Array> {
    let len = req.rows * req.n;
    let mut out = standard_normals(req.op, req.key.0, len)?;
    #[cfg(not(target_arch = "wasm32"))]
    if len > 0 && req.n >= GEMM_MIN_N && dist.factors().len() == req.n * req.n {
        let out = affine_gemm(dist, req, out)?;
        return Ok(Array::from_parts(req.out_shape.clone(), out));
    }
    if len > 0 {
        #[cfg(not(target_arch = "wasm32"))]
        {
            use rayon::prelude::*;
            let n = req.n;
            let rows_per = (PAR_WORDS / n).max(1);
            out.par_chunks_mut(rows_per * n)
                .enumerate()
                .for_each(|(c, block)| affine_rows(dist, req, c * rows_per, block));
        }
        #[cfg(target_arch = "wasm32")]
        affine_rows(dist, req, 0, &mut out);
    }
    Ok(Array::from_parts(req.out_shape.clone(), out))
}
