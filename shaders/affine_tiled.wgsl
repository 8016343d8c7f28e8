// out = mean + z R for one shared factor R (an unbatched covariance) and n > 16, as a tiled
// matrix product: a workgroup computes a 64 x 64 tile of the output, staging 64 x 16 of z and
// 16 x 64 of R in workgroup memory per step; each invocation keeps a 4 x 4 block of sums. Each
// output accumulates fma(z[l], R[l, j], acc) over l in increasing order, so the result does not
// depend on how rows are split into chunks. For a triangular R, steps wholly below the diagonal
// are skipped (their R entries are zero). Needs rowmap.wgsl.

struct TiledParams {
    n: u32,
    rows: u32,           // rows in the chunk
    row_offset: u32,     // global row of the chunk's first row
    tile_row_first: u32, // first row tile of this dispatch
    triangular: u32,
    tile_col_first: u32, // first column tile of this dispatch
    _pad0: u32,
    _pad1: u32,
}

const BM: u32 = 64u;
const BN: u32 = 64u;
const BK: u32 = 16u;

@group(0) @binding(0) var<uniform> tp: TiledParams;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> factors: array<f32>;
@group(0) @binding(3) var<storage, read> means: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<uniform> rm: RowMaps;

var<workgroup> zs: array<f32, 1024>; // BM x BK
var<workgroup> rs: array<f32, 1024>; // BK x BN

@compute @workgroup_size(16, 16)
fn affine_tiled(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let n = tp.n;
    let col0 = (tp.tile_col_first + wg.x) * BN;
    let row0 = (tp.tile_row_first + wg.y) * BM;
    let t = lid.y * 16u + lid.x;
    var acc: array<array<f32, 4>, 4>;
    for (var a = 0u; a < 4u; a = a + 1u) {
        for (var b = 0u; b < 4u; b = b + 1u) {
            acc[a][b] = 0.0;
        }
    }
    // With a triangular R, l only runs up to the tile's last column.
    var k_end = n;
    if (tp.triangular != 0u) {
        k_end = min(n, col0 + BN);
    }
    for (var k0 = 0u; k0 < k_end; k0 = k0 + BK) {
        for (var e = t; e < 1024u; e = e + 256u) {
            let zr = e / BK;
            let zc = e % BK;
            let gr = row0 + zr;
            let gk = k0 + zc;
            var zv = 0.0;
            if (gr < tp.rows && gk < n) {
                zv = z[gr * n + gk];
            }
            zs[e] = zv;
            let rr = e / BN;
            let rc = e % BN;
            let rk = k0 + rr;
            let rj = col0 + rc;
            var rv = 0.0;
            if (rk < n && rj < n) {
                rv = factors[rk * n + rj];
            }
            rs[e] = rv;
        }
        workgroupBarrier();
        for (var k = 0u; k < BK; k = k + 1u) {
            var zk: array<f32, 4>;
            var rk: array<f32, 4>;
            for (var a = 0u; a < 4u; a = a + 1u) {
                zk[a] = zs[(lid.y * 4u + a) * BK + k];
                rk[a] = rs[k * BN + lid.x * 4u + a];
            }
            for (var a = 0u; a < 4u; a = a + 1u) {
                for (var b = 0u; b < 4u; b = b + 1u) {
                    acc[a][b] = fma(zk[a], rk[b], acc[a][b]);
                }
            }
        }
        workgroupBarrier();
    }
    for (var a = 0u; a < 4u; a = a + 1u) {
        let r = row0 + lid.y * 4u + a;
        if (r >= tp.rows) {
            continue;
        }
        let mb = mean_row(tp.row_offset + r) * n;
        for (var b = 0u; b < 4u; b = b + 1u) {
            let j = col0 + lid.x * 4u + b;
            if (j < n) {
                out[r * n + j] = means[mb + j] + acc[a][b];
            }
        }
    }
}
