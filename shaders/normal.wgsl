// MLX's float conversions (spec sections 4 to 6) in float32 WGSL.
// u32 -> f32 is rounded to nearest-even by construction, so uniforms are exact. erfinv uses its
// own float32 `log` and (1-a)(1+a) in place of a fused 1 - a*a, so normals are within a few ulp
// of MLX's CPU values (measured in tests).

// Round-to-nearest-even conversion of a u32 to f32 (WGSL leaves the rounding of inexact
// int -> float conversions to the implementation), built from bits with no conversion
// instruction (a quarter-rate one on NVIDIA): bitcast(2^23 bits | x) - 2^23 is x exactly for
// x < 2^23, so hi = u >> 9 and lo = u & 511 are exact, hi * 512 is exact, and adding lo rounds
// once. `one` (1.0 at run time) keeps the compiler from reassociating the exact differences.
fn u32_to_f32_rne(u: u32, one: f32) -> f32 {
    let hi = (bitcast<f32>(0x4b000000u | (u >> 9u)) - 8388608.0) * one;
    let lo = (bitcast<f32>(0x4b000000u | (u & 0x1ffu)) - 8388608.0) * one;
    return hi * 512.0 + lo;
}

// MLX's uniform in [0, 1 - 2^-24]: exact scaling by 2^-32, then clamp below one.
fn unit_from_bits(b: u32, one: f32) -> f32 {
    return min(u32_to_f32_rne(b, one) * 2.3283064365386962890625e-10, bitcast<f32>(0x3f7fffffu));
}

// rn(rn(range * u) + low). `one` is 1.0 supplied at run time: multiplying by it keeps the
// product rounded on its own even where the compiler contracts a*b + c into an fma.
fn uniform_from_bits(b: u32, low: f32, range: f32, one: f32) -> f32 {
    return (range * unit_from_bits(b, one)) * one + low;
}

fn erfinv_tail(t: f32) -> f32 {
    var p = bitcast<f32>(0x2fa6f5a2u);
    p = fma(p, t, bitcast<f32>(0x32fbe4d7u));
    p = fma(p, t, bitcast<f32>(0x35a3f289u));
    p = fma(p, t, bitcast<f32>(0x37ee53efu));
    p = fma(p, t, bitcast<f32>(0x39ce55c9u));
    p = fma(p, t, bitcast<f32>(0x3b46606fu));
    p = fma(p, t, bitcast<f32>(0x3b9e5490u));
    p = fma(p, t, bitcast<f32>(0xbe877fb3u));
    p = fma(p, t, bitcast<f32>(0x3f570b52u));
    return p;
}

fn erfinv_central(t: f32) -> f32 {
    var p = bitcast<f32>(0x31bae000u);
    p = fma(p, t, bitcast<f32>(0x3419da01u));
    p = fma(p, t, bitcast<f32>(0x35a4c919u));
    p = fma(p, t, bitcast<f32>(0x33f29669u));
    p = fma(p, t, bitcast<f32>(0xb86b85e8u));
    p = fma(p, t, bitcast<f32>(0xb91adf48u));
    p = fma(p, t, bitcast<f32>(0x3b17b200u));
    p = fma(p, t, bitcast<f32>(0x3c3d0f28u));
    p = fma(p, t, bitcast<f32>(0xbe6d9577u));
    p = fma(p, t, bitcast<f32>(0x3f62dfc4u));
    return p;
}

// Natural log of a positive normal float32 with only +, -, *, / (the fdlibm/musl algorithm,
// < 1 ulp). GPU `log` builtins vary (WGSL allows 2^-21 absolute error; lavapipe's is several
// ulp off), so this keeps normals equally close to MLX's on every device.
fn log_f32(x: f32) -> f32 {
    var ix = bitcast<u32>(x) + (0x3f800000u - 0x3f3504f3u);
    // f32(k) for the exponent k = (ix >> 23) - 127, from bits (as in u32_to_f32_rne): exact.
    let dk = bitcast<f32>(0x4b000000u | (ix >> 23u)) - 8388735.0;
    ix = (ix & 0x007fffffu) + 0x3f3504f3u;
    let f = bitcast<f32>(ix) - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (bitcast<f32>(0x3eccce13u) + w * bitcast<f32>(0x3e789e26u));
    let t2 = z * (bitcast<f32>(0x3f2aaaaau) + w * bitcast<f32>(0x3e91e9eeu));
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    return s * (hfsq + r) + dk * bitcast<f32>(0x3717f7d1u) - hfsq + f + dk * bitcast<f32>(0x3f317180u);
}

fn erfinv_f32(a: f32) -> f32 {
    let t = log_f32((1.0 - a) * (1.0 + a));
    var p: f32;
    if (abs(t) > 6.125) {
        p = erfinv_tail(t);
    } else {
        p = erfinv_central(t);
    }
    return a * p;
}

// MLX's normal: v = rn(2u + nextafter(-1, 0)) (2u is exact), x = rn(a * erfinv(v)) with
// a = rn(sqrt(2) * scale), then x + loc.
fn normal_from_bits(b: u32, a: f32, loc: f32, one: f32) -> f32 {
    // The `* one` stops compilers from reassociating 1 - (2u + low) into (1 - low) - 2u
    // inside erfinv (Mesa's NIR does so for SPIR-V without NoContraction).
    let v = (2.0 * unit_from_bits(b, one) + bitcast<f32>(0xbf7fffffu)) * one;
    return (a * erfinv_f32(v)) * one + loc;
}
