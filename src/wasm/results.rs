//! Library results as JavaScript values. Typed arrays are made through constructors that
//! report failure: a JavaScript allocation that throws inside wasm would leave the sampler's
//! state half-updated, so it becomes a `TOO_LARGE` error instead.

use super::error::{fail, JsResult};
use crate::{Array, ErrorKind};
use js_sys::{Array as JsArray, Float32Array, Object, Reflect, Uint32Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Most objects one call returns in a JavaScript array (a key or report object costs about
/// 200 bytes of JavaScript heap: 2^22 of them near 1 GB).
pub(crate) const MAX_OBJECTS: usize = 1 << 22;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = Float32Array)]
    pub(crate) type NewFloat32;
    /// `new Float32Array(arg)`: throws when JavaScript cannot allocate it, or for a typed array
    /// (copied and converted by the engine) whose buffer is detached.
    #[wasm_bindgen(constructor, catch, js_class = "Float32Array")]
    pub(crate) fn new_f32(arg: &JsValue) -> Result<NewFloat32, JsValue>;
    /// A typed array (any element type) seen only for its `slice`.
    type TypedArray;
    /// `view.slice()`: a copy in a new buffer (throws when JavaScript cannot allocate it).
    /// Faster than `new` + `set`: the engine need not zero the new memory first.
    #[wasm_bindgen(method, catch, js_name = slice)]
    fn slice(this: &TypedArray) -> Result<JsValue, JsValue>;
}

/// A copy of a view of wasm memory in a new typed array of the same type.
fn copy_view(op: &str, what: &str, view: &JsValue, len: usize) -> JsResult<JsValue> {
    view.unchecked_ref::<TypedArray>().slice().or_else(|_| too_large(op, what, len))
}

fn too_large<T>(op: &str, what: &str, len: usize) -> JsResult<T> {
    fail(ErrorKind::TooLarge, op, format!("JavaScript could not allocate a {what} of {len} values."))
}

/// A new `Float32Array` holding `data`.
pub(crate) fn float32(op: &str, data: &[f32]) -> JsResult<Float32Array> {
    // SAFETY: the view of wasm memory is used only by the copy right here, before any
    // allocation could move that memory.
    let view = unsafe { Float32Array::view(data) };
    Ok(copy_view(op, "Float32Array", &view, data.len())?.unchecked_into())
}

/// A new `Uint32Array` holding `data`.
pub(crate) fn uint32(op: &str, data: &[u32]) -> JsResult<Uint32Array> {
    // SAFETY: as in `float32`.
    let view = unsafe { Uint32Array::view(data) };
    Ok(copy_view(op, "Uint32Array", &view, data.len())?.unchecked_into())
}

/// `{ data: Float64Array, shape }` of an f64 result (log-densities, entropies, covariances).
pub(crate) fn array64_result(op: &str, a: &crate::Array64) -> JsResult<JsValue> {
    // SAFETY: as in `float32`.
    let view = unsafe { js_sys::Float64Array::view(&a.data) };
    data_result(copy_view(op, "Float64Array", &view.into(), a.data.len())?, &a.shape)
}

/// `bits` elements of `width` bytes (1, 2 or 4) as a new `Uint8Array`, `Uint16Array` or `Uint32Array`.
pub(crate) fn narrow(op: &str, data: &[u32], width: u32) -> JsResult<JsValue> {
    match width {
        1 => {
            let b: Vec<u8> = data.iter().map(|&v| v as u8).collect();
            // SAFETY: as in `float32`.
            copy_view(op, "Uint8Array", &unsafe { js_sys::Uint8Array::view(&b) }.into(), b.len())
        }
        2 => {
            let h: Vec<u16> = data.iter().map(|&v| v as u16).collect();
            // SAFETY: as in `float32`.
            copy_view(op, "Uint16Array", &unsafe { js_sys::Uint16Array::view(&h) }.into(), h.len())
        }
        _ => Ok(uint32(op, data)?.into()),
    }
}

/// Refuses to return more than [`MAX_OBJECTS`] objects in one array.
pub(crate) fn check_objects(op: &str, what: &str, count: usize, instead: &str) -> JsResult<()> {
    if count > MAX_OBJECTS {
        return fail(ErrorKind::TooLarge, op, format!("{count} {what} exceed the {MAX_OBJECTS} returned as separate objects{instead}."));
    }
    Ok(())
}

pub(crate) fn set(obj: &Object, k: &str, v: impl Into<JsValue>) {
    let _ = Reflect::set(obj, &k.into(), &v.into());
}

/// `{ data: Float32Array, shape: number[] }`
pub(crate) fn array_result(op: &str, a: &Array) -> JsResult<JsValue> {
    data_result(float32(op, a.data())?.into(), a.shape())
}

/// `{ data, shape: number[] }`
pub(crate) fn data_result(data: JsValue, shape: &[usize]) -> JsResult<JsValue> {
    let obj = Object::new();
    set(&obj, "data", data);
    set(&obj, "shape", shape_js(shape));
    Ok(obj.into())
}

pub(crate) fn shape_js(shape: &[usize]) -> JsArray {
    shape.iter().map(|&d| JsValue::from(d as f64)).collect()
}
