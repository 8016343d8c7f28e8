//! MLX's `RandomBits` counter layout (spec section 2.1): `W` words from one key, counter `c0`
//! over the first half and `c1 = c0 + H` over the second, the middle word of an odd `W` from
//! counter `(F, 0)`. Every word is a function of its global index, so any range of words can
//! be produced on its own (chunking cannot change the output).

use super::threefry::threefry2x32;

/// Word `w` of the `total`-word stream of `key` (requires `w < total`).
#[inline]
pub fn word_at(key: [u32; 2], w: u32, total: u32) -> u32 {
    let half = total / 2 + (total & 1); // H = ceil(W/2)
    let full = total / 2; // F = floor(W/2)
    if total & 1 == 1 && w == full {
        threefry2x32(key, [full, 0])[0]
    } else if w < half {
        threefry2x32(key, [w, w + half])[0]
    } else {
        threefry2x32(key, [w - half, w])[1]
    }
}

/// Fills `out` with words `start .. start + out.len()` of the `total`-word stream of `key`.
/// Pairs whose two words both fall in the range are hashed once.
pub fn fill_words(key: [u32; 2], start: u32, total: u32, out: &mut [u32]) {
    let end = start as u64 + out.len() as u64;
    debug_assert!(end <= total as u64);
    let half = total / 2 + (total & 1);
    let full = total / 2;
    if start == 0 && end == total as u64 {
        // Whole stream: one hash per pair.
        for j in 0..full {
            let [x, y] = threefry2x32(key, [j, j + half]);
            out[j as usize] = x;
            out[(j + half) as usize] = y;
        }
        if total & 1 == 1 {
            out[full as usize] = threefry2x32(key, [full, 0])[0];
        }
    } else {
        for (i, o) in out.iter_mut().enumerate() {
            *o = word_at(key, start + i as u32, total);
        }
    }
}

/// The whole `total`-word stream of `key`.
pub fn words(key: [u32; 2], total: u32) -> Vec<u32> {
    let mut out = vec![0u32; total as usize];
    fill_words(key, 0, total, &mut out);
    out
}
