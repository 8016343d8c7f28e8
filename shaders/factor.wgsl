// The batched small factorization (n <= 16, with a `const N: u32 = n;` prelude) for inputs
// that are already on the device: invocation c factors covariance c in double-float arithmetic
// (each value an unevaluated f32 pair hi + lo, about 44 bits) and writes R = Lᵀ in float32, or
// copies a scale_tril's transpose. It accepts only what it can do to f64-level accuracy: finite,
// clearly symmetric, every pivot at least 2^-14 of its diagonal entry. Anything else is counted
// in `status` and the host redoes the whole call on the CPU path, with its errors and reports.
// Invocation c also checks mean row c for non-finite values.

struct FactorParams {
    count: u32,        // covariances (or scale_trils)
    num_means: u32,    // mean rows
    groups_x: u32,
    tril: u32,         // 1: the inputs are scale_tril factors, nothing to factor
    tol: f32,          // the symmetry tolerance, relative to the largest entry
    one: f32,          // 1.0 at run time: keeps the compiler from simplifying the error terms
    first: u32,        // this dispatch's invocations [first, end)
    end: u32,
    fstride: u32,      // entry k of factor c is written at c * fstep + k * fstride
    fstep: u32,
}

@group(0) @binding(0) var<storage, read> fp: FactorParams;
@group(0) @binding(1) var<storage, read> cov: array<f32>;
@group(0) @binding(2) var<storage, read> means: array<f32>;
@group(0) @binding(3) var<storage, read_write> factors: array<f32>;
@group(0) @binding(4) var<storage, read_write> status: array<atomic<u32>>;

var<private> ONE: f32;

// Error-free transformations. Each `* ONE` hides a value whose algebra a compiler could use to
// cancel the error term (fast-math reassociation).
fn two_sum(a: f32, b: f32) -> vec2<f32> {
    let s = (a + b) * ONE;
    let bb = (s - a) * ONE;
    return vec2<f32>(s, (a - (s - bb)) + (b - bb));
}

fn quick_two_sum(a: f32, b: f32) -> vec2<f32> {
    let s = (a + b) * ONE;
    return vec2<f32>(s, b - (s - a));
}

// Dekker's product: with a and b split into 12-bit halves every partial product is exact, so
// the error term is exact whether or not the device fuses an fma (Vulkan does not promise it).
// |a|, |b| < 2^100 here, so 4097 a cannot overflow.
fn split(a: f32) -> vec2<f32> {
    let c = 4097.0 * a;
    let hi = c - (c - a) * ONE;
    return vec2<f32>(hi, a - hi);
}

fn two_prod(a: f32, b: f32) -> vec2<f32> {
    let p = (a * b) * ONE;
    let x = split(a);
    let y = split(b);
    let e1 = (x.x * y.x - p) * ONE;
    let e2 = (e1 + x.x * y.y) * ONE;
    let e3 = (e2 + x.y * y.x) * ONE;
    return vec2<f32>(p, e3 + x.y * y.y);
}

fn df_add(x: vec2<f32>, y: vec2<f32>) -> vec2<f32> {
    let s = two_sum(x.x, y.x);
    let t = two_sum(x.y, y.y);
    let u = quick_two_sum(s.x, s.y + t.x);
    return quick_two_sum(u.x, u.y + t.y);
}

fn df_mul(x: vec2<f32>, y: vec2<f32>) -> vec2<f32> {
    let p = two_prod(x.x, y.x);
    return quick_two_sum(p.x, p.y + (x.x * y.y + x.y * y.x));
}

fn df_div(x: vec2<f32>, y: vec2<f32>) -> vec2<f32> {
    let q1 = x.x / y.x;
    let r = df_add(x, -df_mul(y, vec2<f32>(q1, 0.0)));
    let q2 = r.x / y.x;
    let r2 = df_add(r, -df_mul(y, vec2<f32>(q2, 0.0)));
    return df_add(quick_two_sum(q1, q2), vec2<f32>(r2.x / y.x, 0.0));
}

// sqrt(x) for x > 0: the float32 root, then two Newton steps on the residual in double-float.
fn df_sqrt(x: vec2<f32>) -> vec2<f32> {
    var s = vec2<f32>(sqrt(x.x), 0.0);
    for (var k = 0; k < 2; k = k + 1) {
        let r = df_add(x, -df_mul(s, s));
        s = df_add(s, vec2<f32>(r.x / (2.0 * s.x), 0.0));
    }
    return s;
}

fn is_finite(v: f32) -> bool {
    return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;
}

fn refuse() {
    atomicAdd(&status[0], 1u);
}

@compute @workgroup_size(64)
fn factor_small(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    ONE = fp.one;
    let c = fp.first + (wg.y * fp.groups_x + wg.x) * 64u + lid;
    if (c >= fp.end) {
        return;
    }
    if (c < fp.num_means) {
        for (var j = 0u; j < N; j = j + 1u) {
            if (!is_finite(means[c * N + j])) {
                refuse();
                break;
            }
        }
    }
    if (c >= fp.count) {
        return;
    }
    let base = c * N * N;
    if (fp.tril != 0u) {
        for (var i = 0u; i < N; i = i + 1u) {
            for (var j = 0u; j < N; j = j + 1u) {
                let v = cov[base + i * N + j];
                if (!is_finite(v) || (j > i && v != 0.0)) {
                    refuse();
                    return;
                }
                factors[c * fp.fstep + (j * N + i) * fp.fstride] = v; // R = Lᵀ
            }
        }
        return;
    }
    // Finite, and symmetric well inside the tolerance (the host decides the borderline cases).
    var asym = 0.0;
    var scale = 0.0;
    for (var i = 0u; i < N; i = i + 1u) {
        for (var j = i; j < N; j = j + 1u) {
            let a = cov[base + i * N + j];
            let b = cov[base + j * N + i];
            if (!is_finite(a) || !is_finite(b)) {
                refuse();
                return;
            }
            asym = max(asym, abs(a - b));
            scale = max(scale, max(abs(a), abs(b)));
        }
    }
    // Entries within 2^±40 keep every product and error term far from float32's under- and
    // overflow (GPUs may flush subnormals).
    if (asym > 0.5 * fp.tol * scale || !(scale >= 9.094947e-13 && scale <= 1.0995116e12)) {
        refuse();
        return;
    }
    // Cholesky of (cov + covᵀ) / 2, column by column (L in the lower triangle of `l`).
    var l: array<vec2<f32>, N * N>;
    for (var j = 0u; j < N; j = j + 1u) {
        let ajj = cov[base + j * N + j];
        var d = vec2<f32>(ajj, 0.0);
        for (var k = 0u; k < j; k = k + 1u) {
            d = df_add(d, -df_mul(l[j * N + k], l[j * N + k]));
        }
        if (!(d.x > ajj * 6.103515625e-05)) { // 2^-14: beyond it, f32 pairs may not give f64-level accuracy
            refuse();
            return;
        }
        let ljj = df_sqrt(d);
        l[j * N + j] = ljj;
        for (var i = j + 1u; i < N; i = i + 1u) {
            var v = two_sum(0.5 * cov[base + i * N + j], 0.5 * cov[base + j * N + i]);
            for (var k = 0u; k < j; k = k + 1u) {
                v = df_add(v, -df_mul(l[i * N + k], l[j * N + k]));
            }
            l[i * N + j] = df_div(v, ljj);
        }
    }
    // R = Lᵀ, rounded once (hi is the pair's value rounded to float32).
    for (var i = 0u; i < N; i = i + 1u) {
        for (var j = 0u; j < N; j = j + 1u) {
            factors[c * fp.fstep + (i * N + j) * fp.fstride] = select(0.0, l[j * N + i].x, j >= i);
        }
    }
}
