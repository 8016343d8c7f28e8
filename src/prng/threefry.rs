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

/// [`threefry2x32`] of the blocks `(b0 + i, b0 + i + half)` for `i` in whole groups of four, in
/// SIMD lanes: `first[i]` and `second[i]` get the block's two words. Returns how many it did
/// (the caller does the remainder one block at a time).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) fn fill_pairs_x4(key: [u32; 2], half: u32, b0: u32, first: &mut [u32], second: &mut [u32]) -> usize {
    use core::arch::wasm32::*;
    let ks = [key[0], key[1], key[0] ^ key[1] ^ PARITY];
    let ksv = [u32x4_splat(ks[0]), u32x4_splat(ks[1]), u32x4_splat(ks[2])];
    let lanes = u32x4(0, 1, 2, 3);
    // The second word's key injections: ks[(s + 2) % 3] + s + 1 after group s of four rounds.
    let inject: [v128; 5] = core::array::from_fn(|s| u32x4_splat(ks[(s + 2) % 3].wrapping_add(s as u32 + 1)));
    let n = first.len().min(second.len()) / 4 * 4;
    let mut i = 0;
    while i < n {
        let c0 = u32x4_add(u32x4_splat(b0.wrapping_add(i as u32)), lanes);
        let c1 = u32x4_add(c0, u32x4_splat(half));
        let mut x0 = u32x4_add(c0, ksv[0]);
        let mut x1 = u32x4_add(c1, ksv[1]);
        // The 20 rounds written out with constant rotations: as a loop, the size-optimized
        // build keeps it rolled, with variable shifts and the key schedule indexed at run time.
        macro_rules! rounds {
            ($($r:literal)*) => {$(
                x0 = u32x4_add(x0, x1);
                x1 = v128_xor(v128_or(u32x4_shl(x1, $r), u32x4_shr(x1, 32 - $r)), x0);
            )*};
        }
        const _: () = assert!(ROT[0][0] == 13 && ROT[0][3] == 6 && ROT[1][0] == 17 && ROT[1][3] == 24);
        rounds!(13 15 26 6);
        (x0, x1) = (u32x4_add(x0, ksv[1]), u32x4_add(x1, inject[0]));
        rounds!(17 29 16 24);
        (x0, x1) = (u32x4_add(x0, ksv[2]), u32x4_add(x1, inject[1]));
        rounds!(13 15 26 6);
        (x0, x1) = (u32x4_add(x0, ksv[0]), u32x4_add(x1, inject[2]));
        rounds!(17 29 16 24);
        (x0, x1) = (u32x4_add(x0, ksv[1]), u32x4_add(x1, inject[3]));
        rounds!(13 15 26 6);
        (x0, x1) = (u32x4_add(x0, ksv[2]), u32x4_add(x1, inject[4]));
        // SAFETY: i + 4 <= n, within both slices; v128 stores need no alignment.
        unsafe {
            v128_store(first.as_mut_ptr().add(i) as *mut v128, x0);
            v128_store(second.as_mut_ptr().add(i) as *mut v128, x1);
        }
        i += 4;
    }
    n
}
