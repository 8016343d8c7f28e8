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
        p = p.mul_add(t, f32::from_bits(c));
    }
    p
}

/// MLX's float32 `erfinv` (spec section 6.1) with the glibc `logf` of section 6.3.
#[inline]
pub fn erfinv(a: f32) -> f32 {
    let t = logf(a.mul_add(-a, 1.0));
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

    #[test]
    fn table_matches_the_spec_hex_floats() {
        // Spot checks of the transcription against the spec's hex-float literals.
        assert_eq!(f64::from_bits(TABLE[9].0), 1.0);
        assert_eq!(f64::from_bits(TABLE[0].0), 1.0 + 0x661ec79f8f3be_u64 as f64 / 2f64.powi(52));
        assert!((logf(0.5) - std::f32::consts::LN_2 * -1.0).abs() < 1e-7);
    }
}
