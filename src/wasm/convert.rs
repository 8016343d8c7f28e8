//! JavaScript values to the library's types, with every check of the JavaScript API: shapes,
//! keys, seeds, options objects and n-d array inputs. Each input is read once (one `get` per
//! element or option), checked, and used as read.

use super::error::{fail, js, JsResult};
use crate::{Array, ErrorKind, Key, MAX_ELEMENTS};
use js_sys::{Array as JsArray, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// JavaScript's `String(v)`, for messages (`catch`: a throwing `toString` is an error value).
    #[wasm_bindgen(catch, js_name = String)]
    fn js_string(v: &JsValue) -> Result<String, JsValue>;
    /// JavaScript's `Number(v)`, for BigInt shape entries (Rust's float parser would add its
    /// 10 KB power-of-five table to the package's wasm).
    #[wasm_bindgen(catch, js_name = Number)]
    fn js_number(v: &JsValue) -> Result<f64, JsValue>;
}

#[wasm_bindgen]
extern "C" {
    /// `Object.prototype.toString.call(v)`: `[object Uint32Array]`, `[object DataView]`, ...
    #[wasm_bindgen(js_namespace = ["Object", "prototype", "toString"], js_name = call)]
    fn object_tag(v: &JsValue) -> String;
}

/// The built-in type of `v` (`Uint32Array`, `DataView`, `Array`, `Object`, ...), which, unlike
/// `constructor.name`, an object does not fake by accident.
fn tag(v: &JsValue) -> String {
    let t = object_tag(v);
    t.strip_prefix("[object ").and_then(|t| t.strip_suffix(']')).unwrap_or(&t).to_string()
}

/// `String(v)`, or a stand-in when that throws.
pub(crate) fn text(v: &JsValue) -> String {
    js_string(v).unwrap_or_else(|_| "(a value without a string form)".into())
}

fn type_of(v: &JsValue) -> String {
    v.js_typeof().as_string().unwrap_or_default()
}

/// Element `i` of `a`, read once; a getter or proxy that throws is an error, not an exception
/// through the wasm.
fn element(op: &str, what: &str, a: &JsValue, i: u32) -> JsResult<JsValue> {
    Reflect::get_u32(a, i).or_else(|e| fail(ErrorKind::InvalidArgument, op, format!("{what}[{i}] could not be read: {}", text(&e))))
}

fn is_view(v: &JsValue) -> bool {
    js_sys::ArrayBuffer::is_view(v)
}

/// The elements of an array or typed array, read once each (a hole reads as `undefined`).
fn elements(op: &str, what: &str, v: &JsValue) -> JsResult<Vec<JsValue>> {
    let len = Reflect::get(v, &"length".into()).ok().and_then(|l| l.as_f64()).unwrap_or(0.0) as u32;
    (0..len).map(|i| element(op, what, v, i)).collect()
}

/// A shape argument: `undefined`/`null` (`[]`), a number, or an array or typed array of integers.
pub(crate) fn shape(op: &str, v: &JsValue) -> JsResult<Vec<i64>> {
    if v.is_undefined() || v.is_null() {
        return Ok(vec![]);
    }
    let entries = if v.as_f64().is_some() {
        vec![v.clone()]
    } else if JsArray::is_array(v) || is_view(v) {
        elements(op, "shape", v)?
    } else {
        return fail(ErrorKind::InvalidShape, op, format!("shape must be an array of integers, got {}.", type_of(v)));
    };
    let mut out = Vec::with_capacity(entries.len());
    for e in &entries {
        let d = match e.as_f64() {
            Some(d) => d,
            None if e.is_bigint() => js_number(e).unwrap_or(f64::NAN),
            None => return fail(ErrorKind::InvalidShape, op, format!("shape entries must be integers, got {}.", text(e))),
        };
        out.push(dimension(op, d)?);
    }
    Ok(out)
}

/// One shape entry: an integer (negative ones are refused by the library, with MLX's message).
pub(crate) fn dimension(op: &str, d: f64) -> JsResult<i64> {
    if d.fract() != 0.0 || !d.is_finite() {
        fail(ErrorKind::InvalidShape, op, format!("shape entries must be integers, got {}.", text(&d.into())))
    } else if d.abs() > 9.007_199_254_740_991e15 {
        fail(ErrorKind::TooLarge, op, format!("shape entry {} is beyond the limit of {MAX_ELEMENTS} elements per request.", text(&d.into())))
    } else {
        Ok(d as i64)
    }
}

/// A key argument: `undefined`/`null` (the default sequence) or a `Uint32Array` / array of two
/// integers in `[0, 2^32)`.
pub(crate) fn key(op: &str, v: &JsValue) -> JsResult<Option<Key>> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    let t = tag(v);
    if is_view(v) && t != "Uint32Array" {
        return fail(ErrorKind::InvalidKey, op, format!("Expected key type uint32 but received {t}."));
    }
    if t != "Uint32Array" && !JsArray::is_array(v) {
        return fail(ErrorKind::InvalidKey, op, format!("Expected a key (Uint32Array of 2 words) but received {}.", type_of(v)));
    }
    let words = elements(op, "key", v)?;
    if words.len() != 2 {
        return fail(ErrorKind::InvalidKey, op, format!("Expected key shape (2) but received ({}).", words.len()));
    }
    let mut k = [0u32; 2];
    for (slot, w) in k.iter_mut().zip(&words) {
        match w.as_f64() {
            Some(x) if x.fract() == 0.0 && (0.0..4_294_967_296.0).contains(&x) => *slot = x as u32,
            _ => return fail(ErrorKind::InvalidKey, op, format!("key words must be integers in [0, 2^32), got {}.", text(w))),
        }
    }
    Ok(Some(Key(k)))
}

/// A seed: an integer in `[0, 2^64)`, as a number (exact up to 2^53 - 1) or a BigInt.
pub(crate) fn seed(op: &str, v: &JsValue) -> JsResult<u64> {
    let range = || fail(ErrorKind::InvalidArgument, op, format!("seed must be an integer in [0, 2^64), got {}.", text(v)));
    if v.is_bigint() {
        return text(v).parse::<u64>().or_else(|_| range());
    }
    match v.as_f64() {
        Some(x) if x.fract() == 0.0 && x >= 0.0 && x.is_finite() => {
            if x > 9_007_199_254_740_991.0 {
                fail(ErrorKind::InvalidArgument, op, format!("seed {} is beyond 2^53 - 1 and cannot be exact as a number; pass a BigInt.", text(v)))
            } else {
                Ok(x as u64)
            }
        }
        _ => range(),
    }
}

/// An options object, each allowed option read once.
pub(crate) struct Options {
    op: &'static str,
    values: Vec<(&'static str, JsValue)>,
}

impl Options {
    /// Reads `v` (`undefined`/`null`: no options), refusing options not in `allowed`.
    pub fn read(op: &'static str, v: &JsValue, allowed: &[&'static str]) -> JsResult<Options> {
        if v.is_undefined() || v.is_null() {
            return Ok(Options { op, values: vec![] });
        }
        // A key where the options go (`normal([3], key(0))`, `d.sample([8], k)`): the one call
        // style is MLX's keyword style, `{ key }`.
        if (is_view(v) || JsArray::is_array(v)) && allowed.contains(&"key") {
            let t = tag(v);
            let a = if t.starts_with(['A', 'E', 'I', 'O']) { "an" } else { "a" }; // a Uint32Array, an Array
            return fail(ErrorKind::InvalidArgument, op, format!("the key goes in the options: pass {{ key }} (e.g. {{ key: key(0) }}), not {a} {t} in the options' place."));
        }
        if !v.is_object() || v.is_function() {
            return fail(ErrorKind::InvalidArgument, op, "options must be an object.");
        }
        for k in Object::keys(v.unchecked_ref::<Object>()).iter() {
            let k = k.as_string().unwrap_or_default();
            if !allowed.contains(&k.as_str()) {
                return fail(ErrorKind::InvalidArgument, op, format!("unknown option '{k}'; expected one of {}.", allowed.join(", ")));
            }
        }
        let mut values = Vec::with_capacity(allowed.len());
        for &name in allowed {
            match Reflect::get(v, &name.into()) {
                Ok(x) if x.is_undefined() => {}
                Ok(x) => values.push((name, x)),
                Err(e) => return fail(ErrorKind::InvalidArgument, op, format!("reading option '{name}' failed: {}", text(&e))),
            }
        }
        Ok(Options { op, values })
    }

    /// Option `name` (`undefined` when absent).
    pub fn get(&self, name: &str) -> JsValue {
        self.values.iter().find(|(k, _)| *k == name).map_or(JsValue::UNDEFINED, |(_, v)| v.clone())
    }

    /// A string option, `default` when absent.
    pub fn string(&self, name: &str, default: &str) -> JsResult<String> {
        let v = self.get(name);
        if v.is_undefined() {
            return Ok(default.into());
        }
        v.as_string().map_or_else(|| fail(ErrorKind::InvalidArgument, self.op, format!("{name} must be a string.")), Ok)
    }

    /// A number option, `default` when absent.
    pub fn number(&self, name: &str, default: f64) -> JsResult<f64> {
        let v = self.get(name);
        if v.is_undefined() {
            return Ok(default);
        }
        v.as_f64().map_or_else(|| fail(ErrorKind::InvalidArgument, self.op, format!("{name} must be a number.")), Ok)
    }

    /// The `dtype` option of `normal` and `uniform`: only `float32`.
    pub fn float32_only(&self) -> JsResult<()> {
        let v = self.get("dtype");
        if v.is_undefined() || v.as_string().as_deref() == Some("float32") {
            return Ok(());
        }
        fail(ErrorKind::InvalidDtype, self.op, format!("dtype must be float32, got {}.", text(&v)))
    }
}

/// An n-d array input of `op` (named `name` in messages): a number, nested arrays, a typed
/// array or array with `shape` (given, or `[length]`), or `{ data, shape }`.
pub(crate) fn array(op: &str, name: &str, v: &JsValue, shape: &JsValue) -> JsResult<Array> {
    let (data, dims) = flat(op, name, v, shape)?;
    js(Array::new(dims, data).map_err(|e| crate::Error::new(e.kind(), op, format!("{name}: {}", e.message().trim_start_matches("[array] ")))))
}

thread_local! {
    static FLOAT32_PROTOTYPE: JsValue = js_sys::Object::get_prototype_of(&js_sys::Float32Array::new_with_length(0).into()).into();
}

/// `v` when it is a `Float32Array` itself: not a subclass (whose `length` could lie), not a
/// proxy, not a primitive.
fn exact_float32(v: &JsValue) -> Option<&js_sys::Float32Array> {
    let proto: JsValue = if v.is_object() { js_sys::Object::get_prototype_of(v).into() } else { JsValue::NULL };
    FLOAT32_PROTOTYPE.with(|p| *p == proto).then(|| v.unchecked_ref::<js_sys::Float32Array>())
}

/// `v` when it is a non-empty [`exact_float32`] (a detached array has length 0), copied
/// straight into the wasm heap; other typed arrays go through the engine's conversion, which
/// also refuses a detached buffer.
fn plain_float32(v: &JsValue) -> Option<&js_sys::Float32Array> {
    exact_float32(v).filter(|f| f.length() > 0)
}

/// The `out` option: `None`, or a `Float32Array` of exactly `len` values to write samples into
/// (reused across calls, it spares the allocation of a new array each time).
pub(crate) fn out_array(op: &str, v: &JsValue, len: usize, to_buffer: bool) -> JsResult<Option<js_sys::Float32Array>> {
    if v.is_undefined() {
        return Ok(None);
    }
    if to_buffer {
        return fail(ErrorKind::InvalidArgument, op, "out applies to samples read back, not to samples kept on the GPU.");
    }
    let Some(f) = exact_float32(v) else {
        return fail(ErrorKind::InvalidArgument, op, format!("out must be a Float32Array, got {}.", tag(v)));
    };
    if f.length() as usize != len {
        return fail(ErrorKind::InvalidArgument, op, format!("out holds {} values but the samples are {len} (a detached array holds 0).", f.length()));
    }
    Ok(Some(f.clone()))
}

/// The flat float32 data and the shape of an array input.
fn flat(op: &str, name: &str, v: &JsValue, shape: &JsValue) -> JsResult<(Vec<f32>, Vec<usize>)> {
    if v.is_object() && !JsArray::is_array(v) && !is_view(v) && Reflect::has(v, &"data".into()).unwrap_or(false) {
        let data = Reflect::get(v, &"data".into()).unwrap_or(JsValue::UNDEFINED);
        let own = Reflect::get(v, &"shape".into()).unwrap_or(JsValue::UNDEFINED);
        return flat(op, name, &data, if own.is_undefined() || own.is_null() { shape } else { &own });
    }
    let explicit = !(shape.is_undefined() || shape.is_null());
    if is_view(v) || (explicit && JsArray::is_array(v)) {
        let data: Vec<f32> = if let Some(a) = v.dyn_ref::<JsArray>() {
            let mut d = js(crate::alloc::with_capacity::<f32>(op, a.length() as usize))?;
            for i in 0..a.length() {
                let e = element(op, name, a, i)?;
                match e.as_f64() {
                    Some(x) => d.push(x as f32),
                    None => return fail(ErrorKind::InvalidArgument, op, format!("{name}[{i}] is not a number: {}.", text(&e))),
                }
            }
            d
        } else if let t @ ("BigInt64Array" | "BigUint64Array" | "DataView") = tag(v).as_str() {
            return fail(ErrorKind::InvalidArgument, op, format!("{name} must hold numbers, not {t}."));
        } else if let Some(f) = plain_float32(v) {
            let mut d = js(crate::alloc::zeroed::<f32>(op, f.length() as usize))?;
            f.copy_to(&mut d);
            d
        } else {
            // Any numeric typed array, converted by the engine as Float32Array.from would.
            match super::results::NewFloat32::new_f32(v) {
                Ok(c) => {
                    let c = c.unchecked_into::<js_sys::Float32Array>();
                    let mut d = js(crate::alloc::zeroed::<f32>(op, c.length() as usize))?;
                    c.copy_to(&mut d);
                    d
                }
                Err(_) => return fail(ErrorKind::InvalidArgument, op, format!("{name}'s buffer is detached (transferred or closed); pass an array that still holds its data.")),
            }
        };
        let dims = if explicit { shape_of(op, name, shape)? } else { vec![data.len()] };
        return Ok((data, dims));
    }
    if let Some(x) = v.as_f64() {
        return Ok((vec![x as f32], vec![]));
    }
    if !JsArray::is_array(v) {
        return fail(ErrorKind::InvalidArgument, op, format!("{name} must be a number, nested arrays, a typed array or {{ data, shape }}."));
    }
    nested(op, name, v)
}

/// An explicit shape of an array input: non-negative integers within the element limit.
fn shape_of(op: &str, name: &str, s: &JsValue) -> JsResult<Vec<usize>> {
    let bad = || fail(ErrorKind::InvalidShape, op, format!("{name} shape must be an array of non-negative integers."));
    if !JsArray::is_array(s) {
        return bad();
    }
    let mut dims = Vec::new();
    for e in elements(op, &format!("{name} shape"), s)? {
        match e.as_f64() {
            Some(d) if d.fract() == 0.0 && d >= 0.0 && d.is_finite() => dims.push(d),
            _ => return bad(),
        }
    }
    // Checked here, in f64: the entries may be beyond usize on wasm32.
    if dims.iter().filter(|&&d| d != 0.0).product::<f64>() > MAX_ELEMENTS as f64 {
        let s: Vec<String> = dims.iter().map(|d| text(&(*d).into())).collect();
        return fail(ErrorKind::TooLarge, op, format!("{name} shape ({}) is beyond the limit of {MAX_ELEMENTS} elements.", s.join(",")));
    }
    Ok(dims.into_iter().map(|d| d as usize).collect())
}

/// Nested arrays: the shape from the first entries, every entry checked against it.
fn nested(op: &str, name: &str, v: &JsValue) -> JsResult<(Vec<f32>, Vec<usize>)> {
    let mut dims = Vec::new();
    let mut first = v.clone();
    while let Some(a) = first.dyn_ref::<JsArray>() {
        dims.push(a.length() as usize);
        first = element(op, name, a, 0)?;
    }
    // Rows may be typed arrays (`[Float32Array, ...]`): the last dimension.
    if is_view(&first) {
        dims.push(Reflect::get(&first, &"length".into()).ok().and_then(|l| l.as_f64()).unwrap_or(0.0) as usize);
    }
    let size = dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).filter(|&s| s <= MAX_ELEMENTS);
    let Some(size) = size else {
        return fail(ErrorKind::TooLarge, op, format!("{name} has more than {MAX_ELEMENTS} elements."));
    };
    let mut data = js(crate::alloc::with_capacity::<f32>(op, size))?;
    walk(op, name, v, &dims, &mut Vec::new(), &mut data)?;
    Ok((data, dims))
}

/// Appends the numbers of `v` (at index path `at`) to `out`; the path is spelled out only in
/// an error message.
fn walk(op: &str, name: &str, v: &JsValue, dims: &[usize], at: &mut Vec<u32>, out: &mut Vec<f32>) -> JsResult<()> {
    let path = |at: &[u32]| at.iter().map(|i| format!("[{i}]")).collect::<String>();
    let depth = at.len();
    if depth == dims.len() {
        return match v.as_f64() {
            Some(x) => {
                out.push(x as f32);
                Ok(())
            }
            None => fail(ErrorKind::InvalidArgument, op, format!("{name}{} is not a number.", path(at))),
        };
    }
    if depth + 1 == dims.len() && is_view(v) {
        let (row, _) = flat(op, name, v, &JsValue::UNDEFINED)?;
        if row.len() == dims[depth] {
            out.extend_from_slice(&row);
            return Ok(());
        }
    }
    match v.dyn_ref::<JsArray>() {
        Some(a) if a.length() as usize == dims[depth] => {
            for i in 0..a.length() {
                let e = Reflect::get_u32(a, i).or_else(|e| fail(ErrorKind::InvalidArgument, op, format!("{name}{}[{i}] could not be read: {}", path(at), text(&e))))?;
                at.push(i);
                walk(op, name, &e, dims, at, out)?;
                at.pop();
            }
            Ok(())
        }
        _ => fail(ErrorKind::InvalidShape, op, format!("{name} is ragged: {name}{} should have {} entries.", path(at), dims[depth])),
    }
}
