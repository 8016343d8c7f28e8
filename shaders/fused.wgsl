// multivariate_normal in one pass for small n (with `const N: u32 = n;` and a generated entry
// point, below): invocation r
// draws rows r and r + R/2. With an even word count W = R*N the counter pair (w, w + W/2) gives
// word w (row r) and word w + W/2 (row r + R/2, same column), so every Threefry block is used
// whole and nothing is written but the samples. Needs threefry.wgsl, normal.wgsl, rowmap.wgsl.

struct FusedParams {
    key: vec2<u32>,
    half_rows: u32,    // R/2
    row_offset: u32,   // global row r of this dispatch's first invocation
    count: u32,        // invocations in this dispatch
    groups_x: u32,
    triangular: u32,
    local_first: u32,  // chunk-local index of this dispatch's first invocation
    lo_base: u32,      // element of out_lo holding the chunk's first row r0
    hi_base: u32,      // element of out_hi (of out_lo when `same`) holding row r0 + R/2
    same: u32,         // 1: both halves live in out_lo (one binding covers them)
    one: f32,          // 1.0 (see normal.wgsl)
    a: f32,            // f32(sqrt(2)), at run time like the fill kernel's
    fstride: u32,      // interleaved factors (native): elements between one factor's entries
}

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<storage, read> fp: FusedParams;
@group(0) @binding(1) var<storage, read> factors: array<f32>;
@group(0) @binding(2) var<storage, read> means: array<f32>;
@group(0) @binding(3) var<storage, read> factor_map: array<u32>;
@group(0) @binding(4) var<storage, read_write> out_lo: array<f32>;  // rows [r0, r1)
@group(0) @binding(5) var<storage, read> rm: RowMaps;
@group(0) @binding(6) var<storage, read_write> out_hi: array<f32>;  // rows [r0, r1) + R/2

fn store_hi(k: u32, v: f32) {
    if (fp.same != 0u) {
        out_lo[k] = v;
    } else {
        out_hi[k] = v;
    }
}

// The entry point `sample_pairs` is generated for each n (see `shaders::fused_module`): with
// every loop unrolled and the 2n normals in named registers, as a sketch:
//
//   let b_l = threefry2x32(key, (r*N + l, r*N + l + R/2*N));       l = 0..N-1
//   let p_l = normal(b_l.x);  let q_l = normal(b_l.y);              rows r and r + R/2
//   out[r*N + j] = means[..] + fma(p_{e-1}, R[e-1, j], ... fma(p_0, R[0, j], 0.0))
//
// with e = j + 1 for a triangular factor and e = N otherwise: the same order of operations as
// the affine kernel, so both paths give identical bits.
