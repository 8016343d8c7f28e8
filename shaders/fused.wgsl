// multivariate_normal in one pass for small n (prefixed with `const N: u32 = n;`): invocation r
// draws rows r and r + R/2. With an even word count W = R*N the counter pair (w, w + W/2) gives
// word w (row r) and word w + W/2 (row r + R/2, same column), so every Threefry block is used
// whole and nothing is written but the samples. Needs threefry.wgsl, normal.wgsl, rowmap.wgsl.

struct FusedParams {
    key: vec2<u32>,
    half_rows: u32,    // R/2
    row_offset: u32,   // first r of this dispatch
    count: u32,        // invocations in this dispatch
    groups_x: u32,
    triangular: u32,
    one: f32,          // 1.0 (see normal.wgsl)
    a: f32,            // f32(sqrt(2)), at run time like the fill kernel's, so both compile alike
    _pad: f32,
}

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> fp: FusedParams;
@group(0) @binding(1) var<storage, read> factors: array<f32>;
@group(0) @binding(2) var<storage, read> means: array<f32>;
@group(0) @binding(3) var<storage, read> factor_map: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<uniform> rm: RowMaps;

fn write_row(row: u32, z: ptr<function, array<f32, N>>) {
    let mbase = mean_row(row) * N;
    let fbase = factor_map[cov_row(row)] * N * N;
    for (var j = 0u; j < N; j = j + 1u) {
        var end = N;
        if (fp.triangular != 0u) {
            end = j + 1u;
        }
        var acc = 0.0;
        for (var l = 0u; l < end; l = l + 1u) {
            acc = fma((*z)[l], factors[fbase + l * N + j], acc);
        }
        out[row * N + j] = means[mbase + j] + acc;
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn sample_pairs(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let i = (wg.y * fp.groups_x + wg.x) * WORKGROUP_SIZE + lid;
    if (i >= fp.count) {
        return;
    }
    let r = fp.row_offset + i;
    let half_words = fp.half_rows * N;
    var z1: array<f32, N>;
    var z2: array<f32, N>;
    for (var l = 0u; l < N; l = l + 1u) {
        let w = r * N + l;
        let b = threefry2x32(fp.key, vec2<u32>(w, w + half_words));
        z1[l] = normal_from_bits(b.x, fp.a, 0.0, fp.one);
        z2[l] = normal_from_bits(b.y, fp.a, 0.0, fp.one);
    }
    write_row(r, &z1);
    write_row(r + fp.half_rows, &z2);
}
