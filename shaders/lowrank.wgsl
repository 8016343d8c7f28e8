// A draw from N(mean, W Wᵀ + diag(d)) with the covariance never formed: x[row, j] =
// mean[mean_row, j] + (z[row, r + j] √d[c, j] + Σ_k z[row, k] W[c, j, k]) from r + n normals per
// row (z, written by the fill kernel). One invocation per output element. Needs rowmap.wgsl.

struct LowRankParams {
    n: u32,
    r: u32,
    count: u32,        // elements in this dispatch
    elem_offset: u32,  // chunk-local index of this dispatch's first element
    row_offset: u32,   // global row of the chunk's first row
    groups_x: u32,
    out_base: u32,     // element of `out` for the chunk's first element
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> lr: LowRankParams;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> sqrt_d: array<f32>;
@group(0) @binding(4) var<storage, read> means: array<f32>;
@group(0) @binding(5) var<storage, read> rm: RowMaps;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn low_rank(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let i = (wg.y * lr.groups_x + wg.x) * 256u + lid;
    if (i >= lr.count) {
        return;
    }
    let e = lr.elem_offset + i;
    let n = lr.n;
    let r = lr.r;
    let local_row = e / n;
    let j = e - local_row * n;
    let row = lr.row_offset + local_row;
    let c = cov_row(row);
    let zb = local_row * (r + n);
    var acc = z[zb + r + j] * sqrt_d[c * n + j];
    let wb = (c * n + j) * r;
    for (var k = 0u; k < r; k = k + 1u) {
        acc = fma(z[zb + k], w[wb + k], acc);
    }
    out[lr.out_base + e] = means[mean_row(row) * n + j] + acc;
}
