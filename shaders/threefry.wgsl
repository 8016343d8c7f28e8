// Threefry-2x32 (20 rounds) and MLX's counter layout (spec sections 1.2 and 2.1).

fn rotl32(x: u32, r: u32) -> u32 {
    return (x << r) | (x >> (32u - r));
}

fn threefry_mix(v: vec2<u32>, r: u32) -> vec2<u32> {
    let x0 = v.x + v.y;
    return vec2<u32>(x0, rotl32(v.y, r) ^ x0);
}

fn threefry2x32(key: vec2<u32>, ctr: vec2<u32>) -> vec2<u32> {
    let k2 = key.x ^ key.y ^ 0x1BD11BDAu;
    var v = ctr + key;
    v = threefry_mix(v, 13u); v = threefry_mix(v, 15u); v = threefry_mix(v, 26u); v = threefry_mix(v, 6u);
    v = v + vec2<u32>(key.y, k2 + 1u);
    v = threefry_mix(v, 17u); v = threefry_mix(v, 29u); v = threefry_mix(v, 16u); v = threefry_mix(v, 24u);
    v = v + vec2<u32>(k2, key.x + 2u);
    v = threefry_mix(v, 13u); v = threefry_mix(v, 15u); v = threefry_mix(v, 26u); v = threefry_mix(v, 6u);
    v = v + vec2<u32>(key.x, key.y + 3u);
    v = threefry_mix(v, 17u); v = threefry_mix(v, 29u); v = threefry_mix(v, 16u); v = threefry_mix(v, 24u);
    v = v + vec2<u32>(key.y, k2 + 4u);
    v = threefry_mix(v, 13u); v = threefry_mix(v, 15u); v = threefry_mix(v, 26u); v = threefry_mix(v, 6u);
    v = v + vec2<u32>(k2, key.x + 5u);
    return v;
}

// Word `w` of the `total`-word stream of `key`: counter c0 over the first half H = ceil(W/2),
// c1 = c0 + H over the second; the middle word of an odd W comes from counter (F, 0).
fn word_at(key: vec2<u32>, w: u32, total: u32) -> u32 {
    let full = total / 2u;
    let half = full + (total & 1u);
    if ((total & 1u) == 1u && w == full) {
        return threefry2x32(key, vec2<u32>(full, 0u)).x;
    }
    if (w < half) {
        return threefry2x32(key, vec2<u32>(w, w + half)).x;
    }
    return threefry2x32(key, vec2<u32>(w - half, w)).y;
}
