//! Keys, `split`, and MLX's default key sequence (spec sections 1 and 3).

use crate::error::{Error, ErrorKind, Result};
use crate::prng::bits::{fill_words, words};
use std::sync::Mutex;

/// A PRNG key: two `u32` words, as MLX's `uint32` array of shape `(2,)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(transparent)]
pub struct Key(pub [u32; 2]);

impl Key {
    /// The key with words `k0` (high) and `k1` (low).
    pub const fn new(k0: u32, k1: u32) -> Self {
        Key([k0, k1])
    }

    /// The two words.
    pub const fn words(self) -> [u32; 2] {
        self.0
    }

    /// A key from a slice of words.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] unless the slice holds exactly two words.
    pub fn from_slice(words: &[u32]) -> Result<Self> {
        match words {
            [k0, k1] => Ok(Key([*k0, *k1])),
            _ => Err(Error::new(
                ErrorKind::InvalidKey,
                "key",
                format!("Expected key shape (2) but received ({}).", words.len()),
            )),
        }
    }
}

impl From<[u32; 2]> for Key {
    fn from(w: [u32; 2]) -> Self {
        Key(w)
    }
}

/// MLX's `key(seed)`: `[seed >> 32, seed & 0xFFFFFFFF]`.
///
/// ```
/// assert_eq!(mvn_gpu::key(1u64 << 32).words(), [1, 0]);
/// ```
pub fn key(seed: u64) -> Key {
    Key([(seed >> 32) as u32, seed as u32])
}

/// MLX's `split(key)`: the two rows of `split(key, 2)`.
///
/// ```
/// let (a, b) = mvn_gpu::split(mvn_gpu::key(0));
/// assert_eq!(a.words(), [4146024105, 967050713]);
/// assert_eq!(b.words(), [2718843009, 1272950319]);
/// ```
pub fn split(key: Key) -> (Key, Key) {
    let w = words(key.0, 4);
    (Key([w[0], w[1]]), Key([w[2], w[3]]))
}

/// MLX's `split(key, num)`: `num` new keys, the rows of `bits((num, 2), key)`.
///
/// # Errors
/// [`ErrorKind::InvalidShape`] for a negative `num`, [`ErrorKind::TooLarge`] when `2 * num`
/// words exceed the 32-bit counter space or the keys cannot be allocated.
pub fn split_n(key: Key, num: i64) -> Result<Vec<Key>> {
    if num < 0 {
        return Err(Error::new(ErrorKind::InvalidShape, "split", "Negative dimensions not allowed."));
    }
    let total = num.checked_mul(2).filter(|&t| t <= crate::shape::MAX_ELEMENTS as i64).ok_or_else(|| {
        Error::new(
            ErrorKind::TooLarge,
            "split",
            format!("{num} keys exceed the limit of {} keys.", crate::shape::MAX_ELEMENTS / 2),
        )
    })?;
    // The words are generated straight into the keys (no second copy of a large split).
    let mut keys = crate::alloc::zeroed::<Key>("split", total as usize / 2)?;
    fill_words(key.0, 0, total as u32, bytemuck::cast_slice_mut(&mut keys));
    Ok(keys)
}

static STATE: Mutex<Option<Key>> = Mutex::new(None);

/// MLX's `seed(s)`: resets the default key sequence to `key(s)`.
pub fn seed(s: u64) {
    *STATE.lock().unwrap_or_else(|e| e.into_inner()) = Some(key(s));
}

/// The current state of the default key sequence (MLX's `mx.random.state`).
pub fn state() -> Key {
    let mut st = STATE.lock().unwrap_or_else(|e| e.into_inner());
    *st.get_or_insert_with(initial_state)
}

/// Draws the key a call without an explicit key uses: the state keeps row 0 of
/// `split(state)` and the call gets row 1, as MLX's `KeySequence::next`.
pub fn next_key() -> Key {
    let mut st = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let cur = *st.get_or_insert_with(initial_state);
    let (keep, sub) = split(cur);
    *st = Some(keep);
    sub
}

/// The key an operation uses: the given one, or the next of the default sequence.
pub(crate) fn resolve(key: Option<Key>) -> Key {
    key.unwrap_or_else(next_key)
}

fn initial_state() -> Key {
    // MLX seeds an unseeded process with the milliseconds since the Unix epoch.
    #[cfg(not(target_arch = "wasm32"))]
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    #[cfg(target_arch = "wasm32")]
    let ms = js_sys::Date::now() as u64;
    key(ms)
}
