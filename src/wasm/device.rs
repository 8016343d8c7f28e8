//! An application's WebGPU objects: the `device` option of `Sampler.create` and the buffer of
//! `sampleInto`, checked for their shape and wrapped for wgpu (through the vendored wgpu's two
//! wrappers, vendor/README.md). WebGPU itself validates them further when they are used.

use super::convert::text;
use super::error::{fail, JsResult};
use crate::ErrorKind;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

fn is_object(v: &JsValue) -> bool {
    v.is_object() || v.is_function()
}

/// What `v.name` is (`"function"`, `"object"`, `"number"`, ...), reading it once.
fn kind_of(v: &JsValue, name: &str) -> String {
    let p = Reflect::get(v, &name.into()).unwrap_or(JsValue::UNDEFINED);
    if p.is_null() { "null".into() } else { p.js_typeof().as_string().unwrap_or_default() }
}

fn what(v: &JsValue) -> String {
    if v.is_null() { "null".into() } else if is_object(v) { "an object".into() } else { format!("{} ({})", v.js_typeof().as_string().unwrap_or_default(), text(v)) }
}

/// The application's `GPUDevice` and its queue.
pub(crate) fn app_device(op: &str, v: &JsValue) -> JsResult<(wgpu::Device, wgpu::Queue)> {
    let looks_right = is_object(v) && kind_of(v, "createBuffer") == "function" && kind_of(v, "queue") == "object" && kind_of(v, "lost") == "object";
    if !looks_right {
        return fail(ErrorKind::InvalidArgument, op, format!("device must be a GPUDevice (from adapter.requestDevice()), got {}.", what(v)));
    }
    Ok(wgpu::Device::from_webgpu_handle(v.clone().unchecked_into()))
}

/// Whether `v` looks like a `GPUBuffer` (a `size`, a `usage` and a `mapAsync` method).
pub(crate) fn is_buffer(v: &JsValue) -> bool {
    is_object(v) && kind_of(v, "size") == "number" && kind_of(v, "usage") == "number" && kind_of(v, "mapAsync") == "function"
}

/// The caller's `GPUBuffer`, wrapped on `device` (its size and usage as the buffer reports them).
pub(crate) fn app_buffer(op: &str, device: &wgpu::Device, v: &JsValue) -> JsResult<wgpu::Buffer> {
    if !is_buffer(v) {
        return fail(ErrorKind::InvalidArgument, op, format!("buffer must be a GPUBuffer (from device.createBuffer()), got {}.", what(v)));
    }
    let state = Reflect::get(v, &"mapState".into()).ok().and_then(|s| s.as_string()).unwrap_or_default();
    if state != "unmapped" && !state.is_empty() {
        return fail(ErrorKind::InvalidArgument, op, format!("buffer is {state}; unmap it before sampling into it."));
    }
    Ok(device.create_buffer_from_webgpu_handle(v.clone().unchecked_into()))
}
