// out[row, j] = mean[mean_row, j] + sum_l z[row, l] * R[factor, l, j] over a chunk of rows:
// the affine step of multivariate_normal in MLX's row-vector form (x = mean + z @ std).
// One invocation per output element; for a triangular (Cholesky) R only l <= j is summed.
// Needs rowmap.wgsl.

struct AffineParams {
    n: u32,
    count: u32,        // elements in this dispatch (output tiles, for the tiled entry points)
    elem_offset: u32,  // chunk-local index of this dispatch's first element (tile)
    row_offset: u32,   // global row of the chunk's first row
    groups_x: u32,
    triangular: u32,
    chunk_rows: u32,   // rows in the chunk (the tiled entry points' bound)
    _pad: u32,
}

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<storage, read> ap: AffineParams;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> factors: array<f32>;
@group(0) @binding(3) var<storage, read> means: array<f32>;
@group(0) @binding(4) var<storage, read> factor_map: array<u32>;
@group(0) @binding(5) var<storage, read> row_index: array<u32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;
@group(0) @binding(7) var<storage, read> rm: RowMaps;

@compute @workgroup_size(WORKGROUP_SIZE)
fn affine(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let i = (wg.y * ap.groups_x + wg.x) * WORKGROUP_SIZE + lid;
    if (i >= ap.count) {
        return;
    }
    let e = ap.elem_offset + i;
    let n = ap.n;
    let local_row = e / n;
    let j = e - local_row * n;
    var mi: u32;
    var ci: u32;
    if (rm.ndim_mean == 0xffffffffu) {
        mi = row_index[2u * local_row];
        ci = row_index[2u * local_row + 1u];
    } else {
        let row = ap.row_offset + local_row;
        mi = mean_row(row);
        ci = cov_row(row);
    }
    let fbase = factor_map[ci] * n * n + j;
    let zbase = local_row * n;
    var end = n;
    if (ap.triangular != 0u) {
        end = j + 1u;
    }
    var acc = 0.0;
    for (var l = 0u; l < end; l = l + 1u) {
        // An explicit fma: the fused kernel accumulates the same way, so both agree bit for bit.
        acc = fma(z[zbase + l], factors[fbase + l * n], acc);
    }
    out[e] = means[mi * n + j] + acc;
}
