//! MLX's `RandomBits` counter layout (spec section 2.1), the one place it is written down for
//! the CPU, its parallel fill and the GPU planner: `W` words from one key; block `b < F` hashes
//! counter `(b, b + H)` into words `b` and `b + H`; for an odd `W` the middle word `F` comes
//! from counter `(F, 0)`. Every word is a function of its global index, so any range of words
//! can be produced on its own (chunking cannot change the output).

use super::threefry::threefry2x32;

/// The layout of a `total`-word stream: `half = H = ceil(W/2)` blocks, `full = F = floor(W/2)`
/// of them giving two words. The WGSL kernels mirror it (`shaders/threefry.wgsl`'s `word_at`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Words in the stream (`W`).
    pub total: u32,
    /// Blocks, and the index of the first word of the second half (`H`).
    pub half: u32,
    /// Blocks that give two words (`F`).
    pub full: u32,
}

impl Layout {
    /// The layout of a `total`-word stream.
    pub const fn new(total: u32) -> Layout {
        Layout { total, half: total / 2 + (total & 1), full: total / 2 }
    }

    /// The Threefry counter of block `b < half`.
    #[inline]
    pub fn counter(&self, b: u32) -> [u32; 2] {
        if b == self.full { [self.full, 0] } else { [b, b + self.half] }
    }

    /// Word `w` (`w < total`) as `(block, lane)`: lane 0 or 1 of the block's hash.
    #[inline]
    pub fn block_of(&self, w: u32) -> (u32, usize) {
        if w < self.half { (w, 0) } else { (w - self.half, 1) }
    }

    /// The block range `(first, count)` whose words cover words `[lo, hi)`: blocks in the range
    /// whose words both fall outside are skipped by the consumer.
    pub fn blocks_covering(&self, lo: u32, hi: u32) -> (u32, u32) {
        let (full, half) = (self.full, self.half);
        let mut ranges = Vec::new();
        if lo < hi.min(full) {
            ranges.push((lo, hi.min(full)));
        }
        if hi > half {
            let (s, e) = (lo.max(half) - half, (hi - half).min(full));
            if s < e {
                ranges.push((s, e));
            }
        }
        if self.total & 1 == 1 && lo <= full && full < hi {
            ranges.push((full, full + 1));
        }
        match (ranges.iter().map(|r| r.0).min(), ranges.iter().map(|r| r.1).max()) {
            (Some(s), Some(e)) => (s, e - s),
            _ => (0, 0),
        }
    }
}

/// Word `w` of the `total`-word stream of `key` (requires `w < total`).
#[inline]
pub fn word_at(key: [u32; 2], w: u32, total: u32) -> u32 {
    let layout = Layout::new(total);
    let (b, lane) = layout.block_of(w);
    threefry2x32(key, layout.counter(b))[lane]
}

/// Writes the words of the two-word blocks `b0 .. b0 + first.len()` (all below `layout.full`):
/// block `b`'s first word to `first[b - b0]`, its second to `second[b - b0]`. One hash per block.
#[inline]
pub(crate) fn fill_pairs(key: [u32; 2], layout: Layout, b0: u32, first: &mut [u32], second: &mut [u32]) {
    let len = first.len().min(second.len());
    // In wasm, four blocks at a time in SIMD lanes (the same words).
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let done = super::threefry::fill_pairs_x4(key, layout.half, b0, &mut first[..len], &mut second[..len]);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let done = 0;
    for (i, (x, y)) in first[done..len].iter_mut().zip(second[done..len].iter_mut()).enumerate() {
        let b = b0 + (done + i) as u32;
        [*x, *y] = threefry2x32(key, [b, b + layout.half]);
    }
}

/// The middle word of an odd stream (from counter `(F, 0)`), or `None` for an even one.
#[inline]
pub(crate) fn middle_word(key: [u32; 2], layout: Layout) -> Option<u32> {
    (layout.total & 1 == 1).then(|| threefry2x32(key, layout.counter(layout.full))[0])
}

/// Fills `out` with words `start .. start + out.len()` of the `total`-word stream of `key`.
/// The whole stream hashes each block once.
pub fn fill_words(key: [u32; 2], start: u32, total: u32, out: &mut [u32]) {
    let end = start as u64 + out.len() as u64;
    debug_assert!(end <= total as u64);
    let layout = Layout::new(total);
    if start == 0 && end == total as u64 {
        let (first, second) = out.split_at_mut(layout.half as usize);
        fill_pairs(key, layout, 0, &mut first[..layout.full as usize], second);
        if let Some(w) = middle_word(key, layout) {
            first[layout.full as usize] = w;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_covering_holds_every_word_of_the_range() {
        for total in [1u32, 2, 3, 7, 8, 33] {
            let l = Layout::new(total);
            for lo in 0..total {
                for hi in lo + 1..=total {
                    let (first, count) = l.blocks_covering(lo, hi);
                    for w in lo..hi {
                        let (b, _) = l.block_of(w);
                        assert!(b >= first && b < first + count, "total {total} [{lo},{hi}) word {w}");
                    }
                }
            }
        }
    }
}
