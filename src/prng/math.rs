//! Float conversions of MLX's `uniform` and `normal` (spec sections 4 to 6), bit-exact with
//! MLX's Linux CPU build: correctly rounded `u32 -> f32`, fused `fma`, and glibc's `logf`.

/// `nextafter(1, 0)`: the largest float32 below one.
pub const BELOW_ONE: f32 = f32::from_bits(0x3f7f_ffff);
/// `nextafter(-1, 0)`: the `low` bound MLX's `normal` draws its uniforms from.
pub const NORMAL_LOW: f32 = f32::from_bits(0xbf7f_ffff);
/// `f32(sqrt(2))`.
pub const SQRT2: f32 = f32::from_bits(0x3fb5_04f3);
/// `2^-32`, exactly.
const TWO_POW_M32: f32 = f32::from_bits(0x2f80_0000);

/// A 32-bit word as a float in `[0, 1 - 2^-24]` (MLX's `uniform` before scaling).
#[inline]
pub fn unit(bits: u32) -> f32 {
    // `as` rounds to nearest, ties to even; the scaling by 2^-32 is exact.
    ((bits as f32) * TWO_POW_M32).min(BELOW_ONE)
}

/// MLX's float32 uniform: `low + range * unit(bits)`, two separate roundings.
#[inline]
pub fn uniform(bits: u32, low: f32, range: f32) -> f32 {
    range * unit(bits) + low
}

/// MLX's float32 normal with `scale_sqrt2 = rn(sqrt(2) * scale)` and `loc` (spec section 5).
#[inline]
pub fn normal(bits: u32, scale_sqrt2: f32, loc: f32) -> f32 {
    let v = 2.0 * unit(bits) + NORMAL_LOW; // 2u is exact, so this is rn(2u + low)
    scale_sqrt2 * erfinv(v) + loc
}

/// MLX's float32 standard normal.
#[inline]
pub fn standard_normal(bits: u32) -> f32 {
    SQRT2 * erfinv(2.0 * unit(bits) + NORMAL_LOW)
}

const TAIL: [u32; 9] = [
    0x2fa6f5a2, 0x32fbe4d7, 0x35a3f289, 0x37ee53ef, 0x39ce55c9, 0x3b46606f, 0x3b9e5490, 0xbe877fb3,
    0x3f570b52,
];
const CENTRAL: [u32; 10] = [
    0x31bae000, 0x3419da01, 0x35a4c919, 0x33f29669, 0xb86b85e8, 0xb91adf48, 0x3b17b200, 0x3c3d0f28,
    0xbe6d9577, 0x3f62dfc4,
];

#[inline]
fn horner(coeffs: &[u32], t: f32) -> f32 {
    let mut p = f32::from_bits(coeffs[0]);
    for &c in &coeffs[1..] {
        p = fma(p, t, f32::from_bits(c));
    }
    p
}

/// `a * b + c` with one rounding. Natively the hardware's (or libm's) fma.
#[cfg(not(target_arch = "wasm32"))]
#[inline]
fn fma(a: f32, b: f32, c: f32) -> f32 {
    a.mul_add(b, c)
}

/// `a * b + c` with one rounding, in wasm (which has no fma instruction; libm's software `fmaf`
/// took most of the time of a normal). `a * b` is exact in f64, and rounding the f64 sum to f32
/// is the correctly rounded result unless that sum landed exactly on a midpoint between two
/// floats (or in f32's subnormal range): then the sum is rounded to odd instead (TwoSum's error
/// decides the last bit), and that rounded to f32 is correct (Boldo and Melquiond).
#[cfg(target_arch = "wasm32")]
#[inline]
fn fma(a: f32, b: f32, c: f32) -> f32 {
    fma_via_f64(a, b, c)
}

/// [`fma`]'s wasm implementation (compiled everywhere, so that it is tested natively against the
/// hardware's fma).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#[inline]
fn fma_via_f64(a: f32, b: f32, c: f32) -> f32 {
    let (p, c) = (a as f64 * b as f64, c as f64);
    let s = p + c;
    // The 29 bits that rounding to f32 drops, exactly half an ulp: a midpoint.
    let midpoint = s.to_bits() & 0x1fff_ffff == 0x1000_0000;
    if !midpoint && s.abs() >= f32::MIN_POSITIVE as f64 {
        return s as f32;
    }
    let t = s - p;
    let e = (p - (s - t)) + (c - t);
    if e != 0.0 && s.is_finite() && s.to_bits() & 1 == 0 {
        // s is even and inexact: the neighbour on e's side is odd.
        let away_from_zero = (e > 0.0) == (s > 0.0);
        let bits = if away_from_zero { s.to_bits() + 1 } else { s.to_bits() - 1 };
        return f64::from_bits(bits) as f32;
    }
    s as f32
}

/// MLX's float32 `erfinv` (spec section 6.1) with the glibc `logf` of section 6.3.
#[inline]
pub fn erfinv(a: f32) -> f32 {
    let t = logf(fma(a, -a, 1.0));
    let p = if t.abs() > 6.125 { horner(&TAIL, t) } else { horner(&CENTRAL, t) };
    a * p
}

const LN2: f64 = f64::from_bits(0x3fe62e42fefa39ef);
const A: [f64; 3] = [
    f64::from_bits(0xbfd00ea348b88334),
    f64::from_bits(0x3fd5575b0be00b6a),
    f64::from_bits(0xbfdffffef20a4123),
];
// (1/c, log c) for the 16 subintervals, as glibc and musl tabulate them.
const TABLE: [(u64, u64); 16] = [
    (0x3ff661ec79f8f3be, 0xbfd57bf7808caade),
    (0x3ff571ed4aaf883d, 0xbfd2bef0a7c06ddb),
    (0x3ff49539f0f010b0, 0xbfd01eae7f513a67),
    (0x3ff3c995b0b80385, 0xbfcb31d8a68224e9),
    (0x3ff30d190c8864a5, 0xbfc6574f0ac07758),
    (0x3ff25e227b0b8ea0, 0xbfc1aa2bc79c8100),
    (0x3ff1bb4a4a1a343f, 0xbfba4e76ce8c0e5e),
    (0x3ff12358f08ae5ba, 0xbfb1973c5a611ccc),
    (0x3ff0953f419900a7, 0xbfa252f438e10c1e),
    (0x3ff0000000000000, 0x0000000000000000),
    (0x3fee608cfd9a47ac, 0x3faaa5aa5df25984),
    (0x3feca4b31f026aa0, 0x3fbc5e53aa362eb4),
    (0x3feb2036576afce6, 0x3fc526e57720db08),
    (0x3fe9c2d163a1aa2d, 0x3fcbc2860d224770),
    (0x3fe886e6037841ed, 0x3fd1058bc8a07ee1),
    (0x3fe767dcf5534862, 0x3fd4043057b6ee09),
];

/// glibc's (and musl's) float32 natural log for positive normal inputs, the `log` MLX's Linux
/// CPU `erfinv` calls (spec section 6.3). Zero, negatives, subnormals, inf and NaN fall back to
/// `f32::ln`, which agrees on those special values.
#[inline]
pub fn logf(x: f32) -> f32 {
    let ix = x.to_bits();
    if ix == 0x3f80_0000 {
        return 0.0;
    }
    if ix.wrapping_sub(0x0080_0000) >= 0x7f80_0000 - 0x0080_0000 {
        return x.ln();
    }
    let tmp = ix.wrapping_sub(0x3f33_0000);
    let i = ((tmp >> 19) % 16) as usize;
    let k = (tmp as i32) >> 23;
    let z = f32::from_bits(ix.wrapping_sub(tmp & 0xff80_0000)) as f64;
    let (invc, logc) = (f64::from_bits(TABLE[i].0), f64::from_bits(TABLE[i].1));
    let r = z * invc - 1.0;
    let y0 = logc + k as f64 * LN2;
    let r2 = r * r;
    let mut y = A[1] * r + A[2];
    y = A[0] * r2 + y;
    y = y * r2 + (y0 + r);
    y as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wasm fma against the hardware's, on random operands, on products that land on or
    /// next to midpoints (c chosen to cancel most of a * b), and in the subnormal range.
    #[test]
    fn fma_via_f64_is_correctly_rounded() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut checked = 0;
        for i in 0..4_000_000u32 {
            let r = next();
            let a = f32::from_bits((r as u32 & 0x807f_ffff) | (((r >> 40) as u32 % 60 + 97) << 23));
            let b = f32::from_bits(((r >> 32) as u32 & 0x807f_ffff) | (((r >> 48) as u32 % 60 + 97) << 23));
            let c = match i % 4 {
                0 => f32::from_bits(next() as u32 & 0xbfff_ffff),
                // Cancel the product's leading bits, leaving its exact low bits near a midpoint.
                1 => -(a * b) + f32::from_bits(next() as u32 & 0x007f_ffff) * f32::EPSILON,
                2 => -(a * b),
                _ => f32::from_bits(next() as u32 & 0x807f_ffff), // subnormal addends
            };
            if !(a.is_finite() && b.is_finite() && c.is_finite()) {
                continue;
            }
            let (want, got) = (a.mul_add(b, c), fma_via_f64(a, b, c));
            assert!(want.to_bits() == got.to_bits() || (want.is_nan() && got.is_nan()), "fma({a:e}, {b:e}, {c:e}) = {want:e}, got {got:e}");
            checked += 1;
        }
        assert!(checked > 3_000_000);
        // a * b exactly a midpoint between two floats (3 times an odd mantissa has 25 bits), and
        // c a tiny nudge either way: the f64 sum rounds back onto the midpoint, so rounding it to
        // f32 directly would break the tie to even instead of towards c.
        let (mut hard, mut naive_wrong) = (0, 0);
        for m in (0u32..200_000).map(|k| 1 + 2 * k) {
            let b = f32::from_bits((127 << 23) | (m & 0x007f_ffff));
            let p = 3.0f64 * b as f64;
            if (p as f32) as f64 == p || (p.to_bits() & 0x1fff_ffff) != 0x1000_0000 {
                continue;
            }
            for c in [p * 1e-20, -p * 1e-20, f32::MIN_POSITIVE as f64] {
                let c = c as f32;
                let (want, got) = (3.0f32.mul_add(b, c), fma_via_f64(3.0, b, c));
                assert_eq!(want.to_bits(), got.to_bits(), "fma(3, {b:e}, {c:e})");
                naive_wrong += (((p + c as f64) as f32).to_bits() != want.to_bits()) as u32;
                hard += 1;
            }
        }
        assert!(hard > 100_000, "{hard} midpoint cases");
        assert!(naive_wrong > hard / 4, "only {naive_wrong} of {hard} cases would fool a plain f64 sum: the test misses the hard cases");
    }

    #[test]
    fn table_matches_the_spec_hex_floats() {
        // Spot checks of the transcription against the spec's hex-float literals.
        assert_eq!(f64::from_bits(TABLE[9].0), 1.0);
        assert_eq!(f64::from_bits(TABLE[0].0), 1.0 + 0x661ec79f8f3be_u64 as f64 / 2f64.powi(52));
        assert!((logf(0.5) - std::f32::consts::LN_2 * -1.0).abs() < 1e-7);
    }
}

/// MLX's normals of whole groups of four words in place, in wasm SIMD lanes: the same
/// operations as [`normal`] lane by lane (f32 products and sums, the f64 `logf`, the f64 fma),
/// so the same bits. [`simd::GROUPS`] groups go through erfinv together: its chain of eleven
/// dependent fmas is latency-bound, and independent groups fill the gaps. Groups where any lane
/// meets a rare case (an fma landing on a midpoint, a `logf` argument of exactly 1 or outside
/// the normal range, erfinv's tail) are done by the scalar code. `loc` is `None` for standard
/// normals (no `+ loc`, which would turn -0 into 0).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) fn normals_x4(words: &mut [u32], scale_sqrt2: f32, loc: Option<f32>) {
    use core::arch::wasm32::*;
    const G: usize = simd::GROUPS;
    let scalar = |b: u32| match loc {
        Some(l) => normal(b, scale_sqrt2, l),
        None => standard_normal(b),
    };
    let mut chunks = words.chunks_exact_mut(4 * G);
    for c in &mut chunks {
        let p = c.as_mut_ptr() as *mut v128;
        let input = |bits: v128| {
            let u = f32x4_min(f32x4_mul(f32x4_convert_u32x4(bits), f32x4_splat(TWO_POW_M32)), f32x4_splat(BELOW_ONE));
            f32x4_add(f32x4_mul(f32x4_splat(2.0), u), f32x4_splat(NORMAL_LOW))
        };
        let output = |e: v128| {
            let x = f32x4_mul(f32x4_splat(scale_sqrt2), e);
            match loc {
                Some(l) => f32x4_add(x, f32x4_splat(l)),
                None => x,
            }
        };
        // SAFETY: the chunk holds 4 * G = 8 u32s; v128 loads and stores need no alignment.
        let v = unsafe { [input(v128_load(p)), input(v128_load(p.add(1)))] };
        match simd::erfinv(v) {
            Some([e0, e1]) => unsafe {
                v128_store(p, output(e0));
                v128_store(p.add(1), output(e1));
            },
            None => c.iter_mut().for_each(|w| *w = scalar(*w).to_bits()),
        }
    }
    chunks.into_remainder().iter_mut().for_each(|w| *w = scalar(*w).to_bits());
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::{A, CENTRAL, LN2, TABLE};
    use core::arch::wasm32::*;

    /// Groups of four lanes that go through erfinv together.
    pub(super) const GROUPS: usize = 2;
    type Lanes = [v128; GROUPS];

    /// The two f64 halves of four f32 lanes.
    #[inline(always)]
    fn widen(x: v128) -> (v128, v128) {
        (f64x2_promote_low_f32x4(x), f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 0, 1>(x, x)))
    }

    /// Four f32 lanes from two f64 halves, each rounded to nearest.
    #[inline(always)]
    fn narrow(lo: v128, hi: v128) -> v128 {
        i32x4_shuffle::<0, 1, 4, 5>(f32x4_demote_f64x2_zero(lo), f32x4_demote_f64x2_zero(hi))
    }

    /// `a * b + c` of two f64 lanes (exact products of f32s): `fma_via_f64`'s fast path, before
    /// rounding to f32. Sets `rare` where a lane needs the slow one.
    #[inline(always)]
    fn fma_sum(a: v128, b: v128, c: v128, rare: &mut v128) -> v128 {
        let s = f64x2_add(f64x2_mul(a, b), c);
        let midpoint = i64x2_eq(v128_and(s, i64x2_splat(0x1fff_ffff)), i64x2_splat(0x1000_0000));
        let tiny = f64x2_lt(f64x2_abs(s), f64x2_splat(f32::MIN_POSITIVE as f64));
        *rare = v128_or(*rare, v128_or(midpoint, tiny));
        s
    }

    /// Two f64 halves rounded to f32 and widened back.
    #[inline(always)]
    fn round(lo: v128, hi: v128) -> (v128, v128) {
        widen(narrow(lo, hi))
    }

    /// glibc's `logf` (as `super::logf`) of four lanes; sets `rare` for an argument of exactly 1
    /// or outside the normal range.
    #[inline(always)]
    fn logf(x: v128, rare: &mut v128) -> v128 {
        let special = v128_or(i32x4_eq(x, u32x4_splat(0x3f80_0000)), u32x4_ge(u32x4_sub(x, u32x4_splat(0x0080_0000)), u32x4_splat(0x7f80_0000 - 0x0080_0000)));
        *rare = v128_or(*rare, special);
        let tmp = u32x4_sub(x, u32x4_splat(0x3f33_0000));
        let i = v128_and(u32x4_shr(tmp, 19), u32x4_splat(15));
        let k = i32x4_shr(tmp, 23);
        let (z0, z1) = widen(u32x4_sub(x, v128_and(tmp, u32x4_splat(0xff80_0000))));
        let z = [z0, z1];
        let idx = [u32x4_extract_lane::<0>(i), u32x4_extract_lane::<1>(i), u32x4_extract_lane::<2>(i), u32x4_extract_lane::<3>(i)];
        let entry = |q: usize| TABLE[idx[q] as usize];
        let invc = [f64x2(f64::from_bits(entry(0).0), f64::from_bits(entry(1).0)), f64x2(f64::from_bits(entry(2).0), f64::from_bits(entry(3).0))];
        let logc = [f64x2(f64::from_bits(entry(0).1), f64::from_bits(entry(1).1)), f64x2(f64::from_bits(entry(2).1), f64::from_bits(entry(3).1))];
        let kf = [f64x2_convert_low_i32x4(k), f64x2_convert_low_i32x4(i32x4_shuffle::<2, 3, 0, 1>(k, k))];
        let one = f64x2_splat(1.0);
        let half = |h: usize| {
            let r = f64x2_sub(f64x2_mul(z[h], invc[h]), one);
            let y0 = f64x2_add(logc[h], f64x2_mul(kf[h], f64x2_splat(LN2)));
            let r2 = f64x2_mul(r, r);
            let y = f64x2_add(f64x2_mul(f64x2_splat(A[1]), r), f64x2_splat(A[2]));
            let y = f64x2_add(f64x2_mul(f64x2_splat(A[0]), r2), y);
            f64x2_add(f64x2_mul(y, r2), f64x2_add(y0, r))
        };
        narrow(half(0), half(1))
    }

    /// MLX's `erfinv` (as `super::erfinv`) of two groups of four lanes, written out as two
    /// interleaved chains; `None` where any lane needs the scalar code (including erfinv's
    /// tail, |t| > 6.125).
    #[inline(always)]
    pub(super) fn erfinv(a: Lanes) -> Option<Lanes> {
        let mut rare = u32x4_splat(0);
        let one = f64x2_splat(1.0);
        let ((a0, a1), (a2, a3)) = (widen(a[0]), widen(a[1]));
        let (s0, s1) = (fma_sum(a0, f64x2_neg(a0), one, &mut rare), fma_sum(a1, f64x2_neg(a1), one, &mut rare));
        let (s2, s3) = (fma_sum(a2, f64x2_neg(a2), one, &mut rare), fma_sum(a3, f64x2_neg(a3), one, &mut rare));
        let (t0, t1) = (logf(narrow(s0, s1), &mut rare), logf(narrow(s2, s3), &mut rare));
        let limit = f32x4_splat(6.125);
        rare = v128_or(rare, v128_or(f32x4_gt(f32x4_abs(t0), limit), f32x4_gt(f32x4_abs(t1), limit)));
        let ((w0, w1), (w2, w3)) = (widen(t0), widen(t1));
        let first = f64x2_splat(f32::from_bits(CENTRAL[0]) as f64);
        let (mut p0, mut p1, mut p2, mut p3) = (first, first, first, first);
        for &c in &CENTRAL[1..] {
            let c = f64x2_splat(f32::from_bits(c) as f64);
            let (s0, s1) = (fma_sum(p0, w0, c, &mut rare), fma_sum(p1, w1, c, &mut rare));
            let (s2, s3) = (fma_sum(p2, w2, c, &mut rare), fma_sum(p3, w3, c, &mut rare));
            (p0, p1) = round(s0, s1);
            (p2, p3) = round(s2, s3);
        }
        if v128_any_true(rare) {
            return None;
        }
        Some([f32x4_mul(a[0], narrow(p0, p1)), f32x4_mul(a[1], narrow(p2, p3))])
    }
}
