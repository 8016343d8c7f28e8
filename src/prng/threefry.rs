//! Threefry-2x32 with 20 rounds, as in JAX and MLX (spec section 1.2).

const PARITY: u32 = 0x1BD1_1BDA;
const ROT: [[u32; 4]; 2] = [[13, 15, 26, 6], [17, 29, 16, 24]];

/// One Threefry-2x32 block: key `(k0, k1)`, counter `(c0, c1)` to two words.
#[inline]
pub fn threefry2x32(key: [u32; 2], counter: [u32; 2]) -> [u32; 2] {
    let ks = [key[0], key[1], key[0] ^ key[1] ^ PARITY];
    let mut x0 = counter[0].wrapping_add(ks[0]);
    let mut x1 = counter[1].wrapping_add(ks[1]);
    for s in 0..5usize {
        for &r in &ROT[s & 1] {
            x0 = x0.wrapping_add(x1);
            x1 = x1.rotate_left(r) ^ x0;
        }
        x0 = x0.wrapping_add(ks[(s + 1) % 3]);
        x1 = x1.wrapping_add(ks[(s + 2) % 3]).wrapping_add(s as u32 + 1);
    }
    [x0, x1]
}
