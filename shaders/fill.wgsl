// Entry points that fill a range of MLX's word stream: raw bits, uniforms or normals.
// One invocation per word; the word index is global, so chunked dispatches give the same
// values as one dispatch.

struct FillParams {
    key: vec2<u32>,
    total_words: u32,  // W: words in the whole request
    word_offset: u32,  // global index of this dispatch's first word
    count: u32,        // words in this dispatch
    groups_x: u32,     // workgroups along x of the 2-D grid
    out_offset: u32,   // index in `out_words` of this dispatch's first word
    word_end: u32,     // normal: end of the word range to write
    a: f32,            // normal: rn(sqrt(2) * scale); uniform: range
    b: f32,            // normal: loc; uniform: low
    one: f32,          // 1.0 (see uniform_from_bits)
    _pad: u32,
}

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<storage, read> fp: FillParams;
@group(0) @binding(1) var<storage, read_write> out_words: array<u32>;

fn fill_index(wg: vec3<u32>, lid: u32) -> u32 {
    return (wg.y * fp.groups_x + wg.x) * WORKGROUP_SIZE + lid;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn fill_bits(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let i = fill_index(wg, lid);
    if (i >= fp.count) {
        return;
    }
    out_words[fp.out_offset + i] = word_at(fp.key, fp.word_offset + i, fp.total_words);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn fill_uniform(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let i = fill_index(wg, lid);
    if (i >= fp.count) {
        return;
    }
    let w = word_at(fp.key, fp.word_offset + i, fp.total_words);
    out_words[fp.out_offset + i] = bitcast<u32>(uniform_from_bits(w, fp.b, fp.a, fp.one));
}

// Normals with each Threefry block hashed once: block `b` gives words `b` and `b + half` of
// the stream (MLX's layout), both written when they fall in this chunk's words [lo, hi). The
// odd stream's last word comes alone from block (full, 0). Here word_offset = lo, word_end = hi,
// out_offset = this dispatch's first block, count = its number of blocks.
@compute @workgroup_size(WORKGROUP_SIZE)
fn fill_normal_pairs(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let i = fill_index(wg, lid);
    if (i >= fp.count) {
        return;
    }
    let blk = fp.out_offset + i;
    let total = fp.total_words;
    let full = total / 2u;
    let half = full + (total & 1u);
    let lo = fp.word_offset;
    let hi = fp.word_end;
    // Block `full` exists only in an odd stream, with counter (full, 0) and one word. The
    // conversions run unconditionally (branches around them make Mesa's compiler very slow).
    let last = blk >= full;
    let ctr = select(vec2<u32>(blk, blk + half), vec2<u32>(full, 0u), last);
    let v = threefry2x32(fp.key, ctr);
    let x = bitcast<u32>(normal_from_bits(v.x, fp.a, fp.b, fp.one));
    let y = bitcast<u32>(normal_from_bits(v.y, fp.a, fp.b, fp.one));
    let w1 = select(blk, full, last);
    if (w1 >= lo && w1 < hi && (!last || (total & 1u) == 1u)) {
        out_words[w1 - lo] = x;
    }
    let w2 = blk + half;
    if (!last && w2 >= lo && w2 < hi) {
        out_words[w2 - lo] = y;
    }
}
