//! wasm32 bindings: a thin layer over the Rust API for the npm package (`js/index.js` wraps it
//! in the public, MLX-shaped JavaScript API). Every input is validated before any work, errors
//! become JS `Error`s with `name = "MvnError"` and a stable `code`, and nothing panics.

use crate::{Array, Error, ErrorKind, Key, Method, MultivariateNormal, OnInvalid, Options, Sampler, SamplerOptions};
use js_sys::{Array as JsArray, Float32Array, Object, Promise, Reflect, Uint32Array};
use std::rc::Rc;
use std::str::FromStr;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

fn js_error(e: Error) -> JsValue {
    let err = js_sys::Error::new(e.message());
    err.set_name("MvnError");
    let _ = Reflect::set(&err, &"code".into(), &e.code().into());
    err.into()
}

fn set(obj: &Object, k: &str, v: impl Into<JsValue>) {
    let _ = Reflect::set(obj, &k.into(), &v.into());
}

/// `{ data: Float32Array, shape: number[] }`
fn array_result(a: Array) -> JsValue {
    let (shape, data) = a.into_parts();
    let obj = Object::new();
    set(&obj, "data", Float32Array::from(&data[..]));
    set(&obj, "shape", shape_js(&shape));
    obj.into()
}

fn shape_js(shape: &[usize]) -> JsArray {
    shape.iter().map(|&d| JsValue::from(d as f64)).collect()
}

/// JS numbers to an MLX shape: integers only (negative ones are refused by the library).
fn to_shape(op: &str, shape: &[f64]) -> Result<Vec<i64>, JsValue> {
    shape
        .iter()
        .map(|&d| {
            if d.fract() != 0.0 || !d.is_finite() {
                Err(js_error(Error::new(ErrorKind::InvalidShape, op, format!("shape entries must be integers, got {d}."))))
            } else if d.abs() > 9.007_199_254_740_991e15 {
                Err(js_error(Error::new(
                    ErrorKind::TooLarge,
                    op,
                    format!("shape entry {d} is beyond the limit of {} elements per request.", crate::MAX_ELEMENTS),
                )))
            } else {
                Ok(d as i64)
            }
        })
        .collect()
}

fn to_key(key: Option<Vec<u32>>) -> Result<Option<Key>, JsValue> {
    key.map(|k| Key::from_slice(&k)).transpose().map_err(js_error)
}

fn to_array(op: &str, what: &str, data: Vec<f32>, shape: Vec<u32>) -> Result<Array, JsValue> {
    Array::new(shape.iter().map(|&d| d as usize).collect::<Vec<_>>(), data)
        .map_err(|e| js_error(Error::new(e.kind(), op, format!("{what}: {}", e.message().trim_start_matches("[array] ")))))
}

/// MLX's `key(seed)` for `seed = hi * 2^32 + lo`.
#[wasm_bindgen(js_name = keyFromParts)]
pub fn key_from_parts(hi: u32, lo: u32) -> Uint32Array {
    let k = crate::key(((hi as u64) << 32) | lo as u64);
    Uint32Array::from(&k.words()[..])
}

/// MLX's `split(key, num)`: `num` keys as a flat `Uint32Array` of `2 * num` words.
#[wasm_bindgen(js_name = splitKey)]
pub fn split_key(key: Vec<u32>, num: f64) -> Result<Uint32Array, JsValue> {
    let k = Key::from_slice(&key).map_err(js_error)?;
    let num = to_shape("split", &[num])?[0];
    let keys = crate::split_n(k, num).map_err(js_error)?;
    let words: Vec<u32> = keys.iter().flat_map(|k| k.words()).collect();
    Ok(Uint32Array::from(&words[..]))
}

/// MLX's `seed(s)` for `s = hi * 2^32 + lo`.
#[wasm_bindgen(js_name = seedFromParts)]
pub fn seed_from_parts(hi: u32, lo: u32) {
    crate::seed(((hi as u64) << 32) | lo as u64);
}

/// The current state of the default key sequence.
#[wasm_bindgen(js_name = keyState)]
pub fn key_state() -> Uint32Array {
    Uint32Array::from(&crate::state().words()[..])
}

/// Why WebGPU cannot be used here, checked before touching wgpu (whose WebGPU backend panics
/// outside a window or dedicated worker).
fn webgpu_unavailable() -> Option<String> {
    let global = js_sys::global();
    let defined = |o: &JsValue, k: &str| Reflect::get(o, &k.into()).map(|v| !v.is_undefined() && !v.is_null()).unwrap_or(false);
    if !defined(&global, "Window") && !defined(&global, "WorkerGlobalScope") {
        return Some("WebGPU needs a window or a dedicated worker (globalThis.Window is undefined).".into());
    }
    let nav = Reflect::get(&global, &"navigator".into()).unwrap_or(JsValue::UNDEFINED);
    if nav.is_undefined() || !defined(&nav, "gpu") {
        return Some("navigator.gpu is undefined: WebGPU is not available here.".into());
    }
    None
}

/// The sampler behind the JavaScript `Sampler` class.
#[wasm_bindgen]
pub struct WasmSampler {
    inner: Rc<Sampler>,
    fallback_reason: Option<String>,
}

#[wasm_bindgen]
impl WasmSampler {
    /// `backend`: `"auto"`, `"webgpu"` or `"cpu"`; `power_preference`: `"high-performance"`,
    /// `"low-power"` or `""`.
    pub async fn create(backend: String, power_preference: String) -> Result<WasmSampler, JsValue> {
        console_error_panic_hook::set_once();
        let op = "Sampler.create";
        let pp = match power_preference.as_str() {
            "" | "high-performance" => wgpu::PowerPreference::HighPerformance,
            "low-power" => wgpu::PowerPreference::LowPower,
            other => {
                return Err(js_error(Error::new(
                    ErrorKind::InvalidArgument,
                    op,
                    format!("Unknown powerPreference '{other}'; expected 'high-performance' or 'low-power'."),
                )))
            }
        };
        let want_gpu = match backend.as_str() {
            "auto" => None,
            "webgpu" => Some(true),
            "cpu" => Some(false),
            other => {
                return Err(js_error(Error::new(
                    ErrorKind::InvalidArgument,
                    op,
                    format!("Unknown backend '{other}'; expected 'auto', 'webgpu' or 'cpu'."),
                )))
            }
        };
        if want_gpu == Some(false) {
            return Ok(WasmSampler { inner: Rc::new(Sampler::cpu()), fallback_reason: None });
        }
        let gpu = match webgpu_unavailable() {
            Some(reason) => Err(Error::new(ErrorKind::NoAdapter, op, reason)),
            None => Sampler::gpu(&SamplerOptions { power_preference: pp, ..SamplerOptions::default() }).await,
        };
        match (gpu, want_gpu) {
            (Ok(s), _) => Ok(WasmSampler { inner: Rc::new(s), fallback_reason: None }),
            (Err(e), Some(true)) => Err(js_error(e)),
            (Err(e), _) => Ok(WasmSampler { inner: Rc::new(Sampler::cpu()), fallback_reason: Some(e.message().to_string()) }),
        }
    }

    /// `"webgpu"` or `"cpu"`.
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        match self.inner.backend() {
            crate::Backend::Gpu => "webgpu".into(),
            crate::Backend::Cpu => "cpu".into(),
        }
    }

    /// Why `"auto"` fell back to the CPU, or `undefined`.
    #[wasm_bindgen(getter, js_name = fallbackReason)]
    pub fn fallback_reason(&self) -> Option<String> {
        self.fallback_reason.clone()
    }

    /// `{ name, vendor, device, driver, driverInfo, backend }` of the adapter, or `null`.
    #[wasm_bindgen(getter, js_name = adapterInfo)]
    pub fn adapter_info(&self) -> JsValue {
        match self.inner.adapter_info() {
            None => JsValue::NULL,
            Some(i) => {
                let o = Object::new();
                set(&o, "name", i.name.clone());
                set(&o, "vendor", i.vendor as f64);
                set(&o, "device", i.device as f64);
                set(&o, "driver", i.driver.clone());
                set(&o, "driverInfo", i.driver_info.clone());
                set(&o, "backend", format!("{:?}", i.backend));
                o.into()
            }
        }
    }

    /// The `GPUDevice` (WebGPU backend) or `null`.
    #[wasm_bindgen(getter)]
    pub fn device(&self) -> JsValue {
        self.inner.device().and_then(|d| d.as_webgpu().map(|d| d.clone().into())).unwrap_or(JsValue::NULL)
    }

    /// Why the GPU device was lost, while it is lost and not yet replaced (the next call
    /// replaces it), or `undefined`.
    #[wasm_bindgen(getter, js_name = deviceLost)]
    pub fn device_lost(&self) -> Option<String> {
        self.inner.device_lost()
    }

    /// How many lost GPU devices this sampler replaced.
    #[wasm_bindgen(getter, js_name = deviceReplacements)]
    pub fn device_replacements(&self) -> f64 {
        self.inner.device_replacements() as f64
    }

    /// Validates and factors: `mean (..., n)`, `cov (..., n, n)` (or a lower-triangular
    /// `scale_tril` when `scale_tril` is true).
    #[allow(clippy::too_many_arguments)]
    pub fn distribution(
        &self,
        mean: Vec<f32>,
        mean_shape: Vec<u32>,
        cov: Vec<f32>,
        cov_shape: Vec<u32>,
        method: String,
        dtype: String,
        on_invalid: String,
        scale_tril: bool,
    ) -> Result<WasmDistribution, JsValue> {
        let op = "multivariate_normal";
        let mean = to_array(op, "mean", mean, mean_shape)?;
        let cov = to_array(op, if scale_tril { "scaleTril" } else { "cov" }, cov, cov_shape)?;
        let dist = if scale_tril {
            crate::Dtype::from_str(&dtype).and_then(|d| d.require_float32(op)).map_err(js_error)?;
            MultivariateNormal::from_scale_tril(&mean, &cov)
        } else {
            let options = Options {
                method: Method::from_str(&method).map_err(js_error)?,
                dtype: crate::Dtype::from_str(&dtype).map_err(|e| js_error(Error::new(e.kind(), op, e.message().trim_start_matches("[dtype] "))))?,
                on_invalid: OnInvalid::from_str(&on_invalid).map_err(js_error)?,
                tolerance: None,
            };
            MultivariateNormal::new(&mean, &cov, &options)
        }
        .map_err(js_error)?;
        Ok(WasmDistribution { inner: Rc::new(dist), sampler: self.inner.clone() })
    }

    /// MLX's `normal(shape, loc, scale, key)`: resolves to `{ data, shape }`.
    pub fn normal(&self, shape: Vec<f64>, key: Option<Vec<u32>>, loc: f32, scale: f32) -> Result<Promise, JsValue> {
        let shape = to_shape("normal", &shape)?;
        let key = to_key(key)?;
        let s = self.inner.clone();
        Ok(future_to_promise(async move { s.normal(&shape, loc, scale, key).await.map(array_result).map_err(js_error) }))
    }

    /// MLX's `uniform(shape, low, high, key)` with bounds that broadcast to `shape`.
    #[allow(clippy::too_many_arguments)]
    pub fn uniform(&self, shape: Vec<f64>, key: Option<Vec<u32>>, low: Vec<f32>, low_shape: Vec<u32>, high: Vec<f32>, high_shape: Vec<u32>) -> Result<Promise, JsValue> {
        let shape = to_shape("uniform", &shape)?;
        let key = to_key(key)?;
        let low = to_array("uniform", "low", low, low_shape)?;
        let high = to_array("uniform", "high", high, high_shape)?;
        let s = self.inner.clone();
        Ok(future_to_promise(async move { s.uniform(&shape, low, high, key).await.map(array_result).map_err(js_error) }))
    }

    /// MLX's `bits(shape, key)`: resolves to `{ data: Uint32Array, shape }`.
    pub fn bits(&self, shape: Vec<f64>, key: Option<Vec<u32>>) -> Result<Promise, JsValue> {
        let shape = to_shape("bits", &shape)?;
        let key = to_key(key)?;
        let s = self.inner.clone();
        Ok(future_to_promise(async move {
            let a = s.bits(&shape, key).await.map_err(js_error)?;
            let (shape, data) = a.into_parts();
            let obj = Object::new();
            set(&obj, "data", Uint32Array::from(&data[..]));
            set(&obj, "shape", shape_js(&shape));
            Ok(obj.into())
        }))
    }

    /// Destroys the GPU device (pending work fails; the sampler is unusable afterwards).
    pub fn destroy(&self) {
        if let Some(d) = self.inner.device() {
            d.destroy();
        }
    }
}

/// A validated, factored distribution behind the JavaScript `Distribution` class.
#[wasm_bindgen]
pub struct WasmDistribution {
    inner: Rc<MultivariateNormal>,
    sampler: Rc<Sampler>,
}

#[wasm_bindgen]
impl WasmDistribution {
    /// Samples of shape `broadcast(shape, batch) + (n,)`: resolves to `{ data, shape }`.
    pub fn sample(&self, shape: Vec<f64>, key: Option<Vec<u32>>) -> Result<Promise, JsValue> {
        let shape = to_shape("multivariate_normal", &shape)?;
        let key = to_key(key)?;
        let (d, s) = (self.inner.clone(), self.sampler.clone());
        Ok(future_to_promise(async move { s.sample(&d, &shape, key).await.map(array_result).map_err(js_error) }))
    }

    /// Samples kept on the GPU: resolves to `{ buffer: GPUBuffer, device: GPUDevice, shape }`
    /// (usage STORAGE | VERTEX | COPY_SRC, row-major float32).
    #[wasm_bindgen(js_name = sampleToBuffer)]
    pub fn sample_to_buffer(&self, shape: Vec<f64>, key: Option<Vec<u32>>) -> Result<Promise, JsValue> {
        let shape = to_shape("sample_to_buffer", &shape)?;
        let key = to_key(key)?;
        let (d, s) = (self.inner.clone(), self.sampler.clone());
        Ok(future_to_promise(async move {
            let out = s.sample_to_buffer(&d, &shape, key).await.map_err(js_error)?;
            let obj = Object::new();
            let buffer: JsValue = out.buffer.as_webgpu().map(|b| b.clone().into()).unwrap_or(JsValue::NULL);
            let device: JsValue = s.device().and_then(|d| d.as_webgpu().map(|d| d.clone().into())).unwrap_or(JsValue::NULL);
            set(&obj, "buffer", buffer);
            set(&obj, "device", device);
            set(&obj, "shape", shape_js(&out.shape));
            Ok(obj.into())
        }))
    }

    /// One report per distinct covariance: `{ batchIndex, method, methodUsed, rank,
    /// minEigenvalue, maxEigenvalue, clipped }`.
    #[wasm_bindgen(getter)]
    pub fn report(&self) -> JsArray {
        self.inner
            .reports()
            .iter()
            .map(|r| {
                let o = Object::new();
                set(&o, "batchIndex", r.batch_index as f64);
                set(&o, "method", r.method.as_str());
                set(&o, "methodUsed", r.method_used.as_str());
                set(&o, "rank", r.rank as f64);
                set(&o, "minEigenvalue", r.min_eigenvalue);
                set(&o, "maxEigenvalue", r.max_eigenvalue);
                set(&o, "clipped", r.clipped);
                JsValue::from(o)
            })
            .collect()
    }

    /// The factors `R` (`x = mean + z R`), one per distinct covariance: `{ data, shape: [k, n, n] }`.
    #[wasm_bindgen(getter)]
    pub fn factors(&self) -> JsValue {
        let n = self.inner.dim();
        let data = self.inner.factors().to_vec();
        let k = if n == 0 { 0 } else { data.len() / (n * n) };
        array_result(Array::from_parts(vec![k, n, n], data))
    }

    /// Warnings recorded while factoring (`onInvalid: 'warn'`).
    #[wasm_bindgen(getter)]
    pub fn warnings(&self) -> JsArray {
        self.inner.warnings().iter().map(|w| JsValue::from(w.as_str())).collect()
    }

    /// The dimension `n`.
    #[wasm_bindgen(getter)]
    pub fn dim(&self) -> usize {
        self.inner.dim()
    }

    /// The batch shape of mean and cov.
    #[wasm_bindgen(getter, js_name = batchShape)]
    pub fn batch_shape(&self) -> JsArray {
        shape_js(&self.inner.batch_shape())
    }
}
