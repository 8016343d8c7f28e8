//! Library results as JavaScript values.

use crate::Array;
use js_sys::{Array as JsArray, Float32Array, Object, Reflect};
use wasm_bindgen::prelude::*;

pub(crate) fn set(obj: &Object, k: &str, v: impl Into<JsValue>) {
    let _ = Reflect::set(obj, &k.into(), &v.into());
}

/// `{ data: Float32Array, shape: number[] }`
pub(crate) fn array_result(a: Array) -> JsValue {
    let (shape, data) = a.into_parts();
    let obj = Object::new();
    set(&obj, "data", Float32Array::from(&data[..]));
    set(&obj, "shape", shape_js(&shape));
    obj.into()
}

pub(crate) fn shape_js(shape: &[usize]) -> JsArray {
    shape.iter().map(|&d| JsValue::from(d as f64)).collect()
}
