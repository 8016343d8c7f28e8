//! wasm32 bindings: the one boundary between JavaScript and the library. `js/index.js` hands
//! every argument over as given; here it is read and checked once (`convert`), the library
//! does the work, and every failure becomes an instance of the package's `MvnError` (`error`).
//! Nothing panics.

mod convert;
mod device;
mod distribution;
mod error;
mod results;
mod sampler;

use error::{js, JsResult};
use js_sys::{Array as JsArray, Uint32Array};
use wasm_bindgen::prelude::*;

/// MLX's `key(seed)` for a number or BigInt seed in `[0, 2^64)`.
#[wasm_bindgen]
pub fn key(seed: JsValue) -> JsResult<Uint32Array> {
    let k = crate::key(convert::seed("key", &seed)?);
    Ok(Uint32Array::from(&k.words()[..]))
}

/// MLX's `split(key, num = 2)`: an array of `num` new keys.
#[wasm_bindgen]
pub fn split(key: JsValue, num: JsValue) -> JsResult<JsArray> {
    let op = "split";
    let k = convert::key(op, &key)?.ok_or_else(|| error::js_error(crate::Error::new(crate::ErrorKind::InvalidKey, op, "a key is required.")))?;
    let num = if num.is_undefined() {
        2
    } else {
        match num.as_f64() {
            Some(x) => convert::dimension(op, x)?,
            None => return error::fail(crate::ErrorKind::InvalidArgument, op, format!("num must be a number, got {}.", num.js_typeof().as_string().unwrap_or_default())),
        }
    };
    if num > 0 {
        results::check_objects(op, "keys", num as usize, "; bits([num, 2], { key }) gives the same words in one Uint32Array")?;
    }
    let keys = js(crate::split_n(k, num))?;
    Ok(keys.iter().map(|k| JsValue::from(Uint32Array::from(&k.words()[..]))).collect())
}

/// MLX's `seed(s)`: resets the default key sequence used by calls without a key.
#[wasm_bindgen]
pub fn seed(s: JsValue) -> JsResult<()> {
    crate::seed(convert::seed("seed", &s)?);
    Ok(())
}

/// The current key of the default sequence (MLX's `mx.random.state`).
#[wasm_bindgen]
pub fn state() -> Uint32Array {
    Uint32Array::from(&crate::state().words()[..])
}
