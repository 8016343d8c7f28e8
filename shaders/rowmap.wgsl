// Which mean and which covariance an output row uses: the row's index is unravelled over the
// (merged) broadcast batch dimensions, with stride 0 where an input is broadcast. Needs a
// module-scope `var<storage, read> rm: RowMaps` in the including module.

struct RowMaps {
    ndim_mean: u32,    // merged dims of the mean map; 0xffffffff: use the explicit row_index
    ndim_cov: u32,
    _pad0: u32,
    _pad1: u32,
    mean_dims: array<vec4<u32>, 2>,
    mean_strides: array<vec4<u32>, 2>,
    cov_dims: array<vec4<u32>, 2>,
    cov_strides: array<vec4<u32>, 2>,
}

fn mean_row(row: u32) -> u32 {
    var i = row;
    var idx = 0u;
    for (var k = i32(rm.ndim_mean) - 1; k >= 0; k = k - 1) {
        let d = rm.mean_dims[u32(k) / 4u][u32(k) % 4u];
        idx = idx + (i % d) * rm.mean_strides[u32(k) / 4u][u32(k) % 4u];
        i = i / d;
    }
    return idx;
}

fn cov_row(row: u32) -> u32 {
    var i = row;
    var idx = 0u;
    for (var k = i32(rm.ndim_cov) - 1; k >= 0; k = k - 1) {
        let d = rm.cov_dims[u32(k) / 4u][u32(k) % 4u];
        idx = idx + (i % d) * rm.cov_strides[u32(k) / 4u][u32(k) % 4u];
        i = i / d;
    }
    return idx;
}
