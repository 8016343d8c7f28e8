//! The CPU backend: the reference implementation and the fallback where no GPU exists.
//! Bit-exact with MLX's Linux CPU build for bits, uniform and normal.

use crate::array::Array;
use crate::distribution::{MultivariateNormal, Plan};
use crate::error::{Error, ErrorKind, Result};
use crate::prng::{bits, math};
#[cfg(not(target_arch = "wasm32"))]
use crate::prng::threefry::threefry2x32;

/// Rows per parallel task.
#[cfg(not(target_arch = "wasm32"))]
const PAR_WORDS: usize = 1 << 14;

pub(crate) fn alloc<T: Clone + Default>(op: &str, len: usize) -> Result<Vec<T>> {
    let mut v = reserve(op, len)?;
    v.resize(len, T::default());
    Ok(v)
}

/// An empty vector with room for `len` values (refused with `TooLarge` when it cannot be had).
pub(crate) fn reserve<T>(op: &str, len: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| {
        Error::new(ErrorKind::TooLarge, op, format!("cannot allocate {len} values ({} bytes).", len as u64 * std::mem::size_of::<T>() as u64))
    })?;
    Ok(v)
}

/// The whole `out.len()`-word stream of `key`, in parallel where available.
pub(crate) fn fill_words(key: [u32; 2], out: &mut [u32]) {
    let total = out.len() as u32;
    #[cfg(not(target_arch = "wasm32"))]
    if out.len() > PAR_WORDS {
        use rayon::prelude::*;
        let half = (total / 2 + (total & 1)) as usize;
        let full = (total / 2) as usize;
        let (first, second) = out.split_at_mut(half);
        let chunk = PAR_WORDS / 2;
        first[..full].par_chunks_mut(chunk).zip(second.par_chunks_mut(chunk)).enumerate().for_each(|(c, (xs, ys))| {
            for (i, (x, y)) in xs.iter_mut().zip(ys.iter_mut()).enumerate() {
                let j = (c * chunk + i) as u32;
                let w = threefry2x32(key, [j, j + half as u32]);
                *x = w[0];
                *y = w[1];
            }
        });
        if total & 1 == 1 {
            first[full] = threefry2x32(key, [full as u32, 0])[0];
        }
        return;
    }
    bits::fill_words(key, 0, total, out);
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
pub(crate) fn map_in_place(data: &mut [u32], f: impl Fn(u32) -> u32 + Sync + Send) {
    #[cfg(not(target_arch = "wasm32"))]
    if data.len() > PAR_WORDS {
        use rayon::prelude::*;
        data.par_chunks_mut(PAR_WORDS).for_each(|c| map_chunk(c, &f));
        return;
    }
    map_chunk(data, &f);
}

/// Standard normals for the `len`-word stream of `key`.
pub(crate) fn standard_normals(op: &str, key: [u32; 2], len: usize) -> Result<Vec<f32>> {
    let mut w = alloc::<u32>(op, len)?;
    fill_words(key, &mut w);
    map_in_place(&mut w, |b| math::standard_normal(b).to_bits());
    Ok(bytemuck::allocation::cast_vec(w))
}

/// `out[b, j] = mean[b, j] + sum_l z[b, l] R[b][l, j]` for a block of rows starting at
/// `row0`, accumulating in increasing `l` with separately rounded products (as reference BLAS).
fn affine_rows(dist: &MultivariateNormal, plan: &Plan, row0: usize, block: &mut [f32]) {
    let n = plan.n;
    let nn = n * n;
    let (factors, fmap, mean) = (dist.factors(), dist.factor_of_cov(), dist.mean_data());
    let tri = dist.is_triangular();
    let mut z = vec![0f32; n];
    for (r, row) in block.chunks_exact_mut(n).enumerate() {
        let b = row0 + r;
        z.copy_from_slice(row);
        let f = fmap[plan.cov_map.index(b)] as usize;
        let m = &mean[plan.mean_map.index(b) * n..][..n];
        let rm = &factors[f * nn..(f + 1) * nn];
        row.iter_mut().for_each(|v| *v = 0.0);
        for (l, &zl) in z.iter().enumerate() {
            let start = if tri { l } else { 0 };
            let rl = &rm[l * n + start..(l + 1) * n];
            for (acc, &w) in row[start..].iter_mut().zip(rl) {
                *acc += zl * w;
            }
        }
        for (v, &mj) in row.iter_mut().zip(m) {
            *v += mj;
        }
    }
}

/// `z R + mean` for one shared factor as a blocked matrix product (faer's f32 GEMM): for large
/// n this is several times faster than the row loop; the sums are ordered differently, within
/// float32 round-off of the reference order. Native only: in the npm package's wasm it would add
/// about 16 KB (gzipped) for a path that has no threads there.
#[cfg(not(target_arch = "wasm32"))]
fn affine_gemm(dist: &MultivariateNormal, plan: &Plan, z: Vec<f32>) -> Result<Vec<f32>> {
    use faer::{MatMut, MatRef};
    let (rows, n) = (plan.rows, plan.n);
    let mut out = alloc::<f32>("multivariate_normal", rows * n)?;
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
        let m = &mean[plan.mean_map.index(r) * n..][..n];
        row.iter_mut().zip(m).for_each(|(v, &mj)| *v += mj);
    }
    Ok(out)
}

#[cfg(not(target_arch = "wasm32"))]
/// Dimension from which the blocked product pays off (one shared factor; measured on 2 cores:
/// 2.6x faster at n = 512, slower at n = 64).
const GEMM_MIN_N: usize = 128;

/// Samples `dist` with `plan` on the CPU.
pub(crate) fn sample(dist: &MultivariateNormal, plan: &Plan) -> Result<Array> {
    let len = plan.rows * plan.n;
    let mut out = standard_normals("multivariate_normal", plan.key.0, len)?;
    #[cfg(not(target_arch = "wasm32"))]
    if len > 0 && plan.n >= GEMM_MIN_N && dist.factors().len() == plan.n * plan.n {
        let out = affine_gemm(dist, plan, out)?;
        return Ok(Array::from_parts(plan.out_shape.clone(), out));
    }
    if len > 0 {
        #[cfg(not(target_arch = "wasm32"))]
        {
            use rayon::prelude::*;
            let n = plan.n;
            let rows_per = (PAR_WORDS / n).max(1);
            out.par_chunks_mut(rows_per * n)
                .enumerate()
                .for_each(|(c, block)| affine_rows(dist, plan, c * rows_per, block));
        }
        #[cfg(target_arch = "wasm32")]
        affine_rows(dist, plan, 0, &mut out);
    }
    Ok(Array::from_parts(plan.out_shape.clone(), out))
}
