//! Loading the MLX oracle vectors (tests/fixtures, copied from ../shared/vectors).

use mvn_gpu::{Array, Key};
use serde_json::Value;

pub fn load(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).unwrap();
    v["cases"].as_array().unwrap().clone()
}

pub fn num(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            _ => panic!("bad number {s}"),
        },
        _ => panic!("not a number: {v}"),
    }
}

pub fn shape(v: &Value) -> Vec<usize> {
    v["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect()
}

pub fn ishape(v: &Value) -> Vec<i64> {
    v.as_array().map(|a| a.iter().map(|d| d.as_i64().unwrap()).collect()).unwrap_or_default()
}

pub fn f32s(v: &Value) -> Vec<f32> {
    v["data"].as_array().unwrap().iter().map(|x| num(x) as f32).collect()
}

pub fn u32s(v: &Value) -> Vec<u32> {
    v["data"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u32).collect()
}

pub fn array(v: &Value) -> Array {
    Array::new(shape(v), f32s(v)).unwrap()
}

/// A scalar bound or an array object.
pub fn bound(v: &Value, default: f32) -> Array {
    match v {
        Value::Null => Array::scalar(default),
        Value::Object(_) => array(v),
        _ => Array::scalar(num(v) as f32),
    }
}

pub fn key(v: &Value) -> Key {
    let w: Vec<u32> = v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u32).collect();
    Key::from_slice(&w).unwrap()
}

/// Distance in float32 ulps (0 for equal values, NaN == NaN).
pub fn ulps(a: f32, b: f32) -> u32 {
    if a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()) || a == b {
        return 0;
    }
    let key = |x: f32| {
        let i = x.to_bits() as i32;
        if i < 0 { i32::MIN.wrapping_sub(i) as i64 } else { i as i64 }
    };
    (key(a) - key(b)).unsigned_abs() as u32
}

pub fn assert_bits_eq(id: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{id}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()), "{id}[{i}]: got {g:e} want {w:e}");
    }
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (*x as f64 - *y as f64).abs()).fold(0.0, f64::max)
}
