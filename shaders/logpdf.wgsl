// The log-density of points x under N(mean, Σ), Σ = L Lᵀ: c_f - |M_f (x - mean)|² / 2 with
// M_f = L_f⁻¹ (lower triangular, row-major, computed in f64 on the host) and
// c_f = -(N log 2π + log det Σ_f) / 2. One invocation per point; the point's mean and
// covariance come from the row maps (x itself is not broadcast). Needs rowmap.wgsl and a
// `const N: u32` prelude.

struct LogpdfParams {
    count: u32,        // points in this dispatch
    groups_x: u32,
    row_offset: u32,   // global index of the chunk's first point
    local_first: u32,  // chunk-local index of this dispatch's first point
    x_base: u32,       // element of `x` holding the chunk's first point
    out_base: u32,     // element of `out` for the chunk's first point
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> lp: LogpdfParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> inv: array<f32>;
@group(0) @binding(3) var<storage, read> means: array<f32>;
@group(0) @binding(4) var<storage, read> consts: array<f32>;
@group(0) @binding(5) var<storage, read> factor_map: array<u32>;
@group(0) @binding(6) var<storage, read> rm: RowMaps;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn logpdf(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let i = (wg.y * lp.groups_x + wg.x) * 256u + lid;
    if (i >= lp.count) {
        return;
    }
    let local = lp.local_first + i;
    let row = lp.row_offset + local;
    let mb = mean_row(row) * N;
    let f = factor_map[cov_row(row)];
    let fb = f * N * N;
    let xb = lp.x_base + local * N;
    var d: array<f32, N>;
    for (var j = 0u; j < N; j = j + 1u) {
        d[j] = x[xb + j] - means[mb + j];
    }
    // y = M d, row by row (M is lower triangular), and q = |y|².
    var q = 0.0;
    for (var k = 0u; k < N; k = k + 1u) {
        var y = 0.0;
        let rb = fb + k * N;
        for (var j = 0u; j <= k; j = j + 1u) {
            y = fma(inv[rb + j], d[j], y);
        }
        q = fma(y, y, q);
    }
    out[lp.out_base + local] = consts[f] - 0.5 * q;
}
