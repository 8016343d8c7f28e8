//! The sampler behind the JavaScript `Sampler` class: every argument arrives as it was given
//! (`convert` reads and checks it), every result leaves as JavaScript values.

use super::convert::{self, Options};
use super::distribution::WasmDistribution;
use super::results::{array_result, data_result, narrow, set};
use super::error::{fail, js, js_error, JsResult};
use crate::request::WordsRequest;
use crate::{Array, Dtype, ErrorKind, LowRankMultivariateNormal, Method, MultivariateNormal, OnInvalid, Sampler, SamplerOptions};
use js_sys::{Object, Promise, Reflect};
use std::rc::Rc;
use std::str::FromStr;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

const MVN: &str = "multivariate_normal";
const MVN_OPTIONS: [&str; 13] = ["shape", "key", "method", "dtype", "onInvalid", "scaleTril", "precision", "diag", "covFactor", "covDiag", "meanShape", "covShape", "out"];

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console)]
    fn warn(s: &str);
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

/// What is wrong with the `gpu` option of `Sampler.create`, if anything: it must be absent or
/// a WebGPU entry point (an object with a `requestAdapter` method, such as `navigator.gpu` or
/// the npm `webgpu` package's `create([])`).
fn gpu_problem(gpu: &JsValue) -> Option<String> {
    let entry = gpu.is_object() && Reflect::get(gpu, &"requestAdapter".into()).map(|f| f.is_function()).unwrap_or(false);
    if gpu.is_undefined() || entry {
        return None;
    }
    let got = if gpu.is_null() { "null".to_string() } else { gpu.js_typeof().as_string().unwrap_or_default() };
    Some(format!("gpu must be a WebGPU entry point (an object with requestAdapter(), e.g. navigator.gpu or create([]) of the npm webgpu package), got {got}."))
}

#[wasm_bindgen]
pub struct WasmSampler {
    inner: Rc<Sampler>,
    fallback_reason: Option<String>,
}

#[wasm_bindgen]
impl WasmSampler {
    /// `options`: `{ backend: 'auto' | 'webgpu' | 'cpu', powerPreference, gpu, device }`, each
    /// read once. A valid WebGPU entry point is handed to the wrapper's `install` (which sets it
    /// up as `navigator.gpu`); a bad one never is. With `device` (an application's `GPUDevice`)
    /// the sampler runs on it and never destroys or replaces it.
    pub fn create(options: JsValue, install: &js_sys::Function) -> JsResult<Promise> {
        console_error_panic_hook::set_once();
        let op = "Sampler.create";
        let o = Options::read(op, &options, &["backend", "powerPreference", "gpu", "device"])?;
        let backend = o.string("backend", "auto")?;
        let app_device = o.get("device");
        if !app_device.is_undefined() {
            return Self::on_device(op, &o, &backend, &app_device);
        }
        let pp = match o.string("powerPreference", "")?.as_str() {
            "" | "high-performance" => wgpu::PowerPreference::HighPerformance,
            "low-power" => wgpu::PowerPreference::LowPower,
            other => return fail(ErrorKind::InvalidArgument, op, format!("Unknown powerPreference '{other}'; expected 'high-performance' or 'low-power'.")),
        };
        let want_gpu = match backend.as_str() {
            "auto" => None,
            "webgpu" => Some(true),
            "cpu" => Some(false),
            other => return fail(ErrorKind::InvalidArgument, op, format!("Unknown backend '{other}'; expected 'auto', 'webgpu' or 'cpu'.")),
        };
        let gpu = o.get("gpu");
        let bad_gpu = gpu_problem(&gpu);
        if bad_gpu.is_none() && !gpu.is_undefined() && want_gpu != Some(false) {
            let _ = install.call1(&JsValue::UNDEFINED, &gpu);
        }
        if let (Some(problem), Some(_)) = (&bad_gpu, want_gpu) {
            return fail(ErrorKind::InvalidArgument, op, problem);
        }
        // 'auto' with a bad `gpu` runs on the CPU and says why.
        let unavailable = if want_gpu == Some(false) { None } else { bad_gpu.or_else(webgpu_unavailable) };
        // Only the device request waits: a small future (each future type adds to the wasm).
        Ok(future_to_promise(async move {
            let gpu = match (want_gpu, unavailable) {
                (Some(false), _) => return Ok(WasmSampler { inner: Rc::new(Sampler::cpu()), fallback_reason: None }.into()),
                (_, Some(reason)) => Err(crate::Error::new(ErrorKind::NoAdapter, op, reason)),
                (_, None) => Sampler::gpu(&SamplerOptions { power_preference: pp, ..SamplerOptions::default() }).await,
            };
            match (gpu, want_gpu) {
                (Ok(s), _) => Ok(WasmSampler { inner: Rc::new(s), fallback_reason: None }.into()),
                (Err(e), Some(true)) => Err(js_error(e)),
                (Err(e), _) => Ok(WasmSampler { inner: Rc::new(Sampler::cpu()), fallback_reason: Some(e.message().to_string()) }.into()),
            }
        }))
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
                set(&o, "backend", i.backend.to_str());
                o.into()
            }
        }
    }

    /// The `GPUDevice` (WebGPU backend) or `null`.
    #[wasm_bindgen(getter)]
    pub fn device(&self) -> JsValue {
        self.inner.device().and_then(|d| d.as_webgpu().map(|d| d.clone().into())).unwrap_or(JsValue::NULL)
    }

    /// Why the GPU device was lost, while it is lost and not yet replaced, or `undefined`.
    #[wasm_bindgen(getter, js_name = deviceLost)]
    pub fn device_lost(&self) -> Option<String> {
        self.inner.device_lost()
    }

    /// How many lost GPU devices this sampler replaced.
    #[wasm_bindgen(getter, js_name = deviceReplacements)]
    pub fn device_replacements(&self) -> f64 {
        self.inner.device_replacements() as f64
    }

    /// Validates and factors `mean (..., n)` and `cov (..., n, n)` (or `options.scaleTril`).
    pub fn distribution(&self, mean: JsValue, cov: JsValue, options: JsValue) -> JsResult<WasmDistribution> {
        let o = Options::read(MVN, &options, &MVN_OPTIONS)?;
        if !o.get("out").is_undefined() {
            return fail(ErrorKind::InvalidArgument, MVN, "out applies to drawing samples (multivariateNormal, Distribution.sample), not to distribution().");
        }
        self.factor(&mean, &cov, &o)
    }

    /// MLX's `multivariate_normal`: resolves to `{ data, shape }`, or with `to_buffer` to the
    /// samples kept on the GPU, `{ buffer, device, shape }`: a new buffer, or `into` (the
    /// caller's `GPUBuffer`) when given.
    #[wasm_bindgen(js_name = multivariateNormal)]
    pub fn multivariate_normal(&self, mean: JsValue, cov: JsValue, options: JsValue, to_buffer: bool, into: JsValue) -> JsResult<Promise> {
        let o = Options::read(MVN, &options, &MVN_OPTIONS)?;
        let op = if into.is_undefined() { MVN } else { "sample_into" };
        self.factor(&mean, &cov, &o)?.draw(op, o.get("shape"), o.get("key"), to_buffer, o.get("out"), into)
    }

    /// MLX's `normal`, `uniform` or `bits` (`op`) of `shape`: resolves to `{ data, shape }`
    /// (`data` a `Uint32Array` for bits). One entry point for the three keeps the wasm small.
    pub fn words(&self, op: &str, shape: JsValue, options: JsValue) -> JsResult<Promise> {
        let (op, allowed): (&'static str, &[&'static str]) = match op {
            "normal" => ("normal", &["key", "loc", "scale", "dtype"]),
            "uniform" => ("uniform", &["key", "low", "high", "dtype"]),
            _ => ("bits", &["key", "width"]),
        };
        let o = Options::read(op, &options, allowed)?;
        let req = match op {
            "normal" => {
                o.float32_only()?;
                let (loc, scale) = (o.number("loc", 0.0)? as f32, o.number("scale", 1.0)? as f32);
                let (shape, key) = (convert::shape(op, &shape)?, convert::key(op, &o.get("key"))?);
                WordsRequest::normal(&shape, loc, scale, key)
            }
            "uniform" => {
                o.float32_only()?;
                let bound = |name: &str, default: f64| -> JsResult<Array> {
                    let v = o.get(name);
                    let v = if v.is_undefined() { JsValue::from(default) } else { v };
                    convert::array(op, name, &v, &JsValue::UNDEFINED)
                };
                let (low, high) = (bound("low", 0.0)?, bound("high", 1.0)?);
                let (shape, key) = (convert::shape(op, &shape)?, convert::key(op, &o.get("key"))?);
                WordsRequest::uniform(&shape, &low, &high, key)
            }
            _ => {
                let width = o.number("width", 4.0)?;
                // Widths that are not a u32 are refused here; the others by WordsRequest::bits.
                if width.fract() != 0.0 || !(0.0..=8.0).contains(&width) {
                    return Err(js_error(crate::request::bad_bit_width(op, crate::numtext::g(width))));
                }
                let (shape, key) = (convert::shape(op, &shape)?, convert::key(op, &o.get("key"))?);
                WordsRequest::bits(&shape, width as u32, key)
            }
        };
        Ok(self.draw_words(js(req)?, op == "bits"))
    }

    /// Destroys the sampler's own GPU device (pending work fails; the sampler is unusable
    /// afterwards). An application's device is left alone.
    pub fn destroy(&self) {
        if let (Some(d), true) = (self.inner.device(), self.inner.owns_device()) {
            d.destroy();
        }
    }
}

impl WasmSampler {
    /// A sampler on the application's `GPUDevice` (`device` option): resolves at once.
    fn on_device(op: &str, o: &Options, backend: &str, device: &JsValue) -> JsResult<Promise> {
        if backend == "cpu" {
            return fail(ErrorKind::InvalidArgument, op, "device is a GPUDevice to sample on; it does not apply to backend 'cpu'.");
        }
        if backend != "auto" && backend != "webgpu" {
            return fail(ErrorKind::InvalidArgument, op, format!("Unknown backend '{backend}'; expected 'auto', 'webgpu' or 'cpu'."));
        }
        for name in ["gpu", "powerPreference"] {
            if !o.get(name).is_undefined() {
                return fail(ErrorKind::InvalidArgument, op, format!("{name} picks a device to open; it does not apply with device (the application's GPUDevice)."));
            }
        }
        let (device, queue) = super::device::app_device(op, device)?;
        let sampler = Sampler::from_device(device, queue, crate::ChunkLimits::UNLIMITED);
        let sampler: JsValue = WasmSampler { inner: Rc::new(sampler), fallback_reason: None }.into();
        Ok(Promise::resolve(&sampler))
    }

    /// `bits`, `uniform` and `normal` through one future (each future type adds kilobytes to
    /// the package's wasm): resolves to `{ data, shape }`, `data` a `Uint32Array` for bits.
    fn draw_words(&self, req: WordsRequest, as_bits: bool) -> Promise {
        let s = self.inner.clone();
        future_to_promise(async move {
            let words = js(s.words(&req).await)?;
            if !as_bits {
                return array_result(req.op, &req.into_floats(words));
            }
            let (op, width) = (req.op, req.bit_width());
            let bits = req.into_bits(words);
            // MLX's uint8 / uint16 / uint32 elements.
            data_result(narrow(op, bits.data(), width)?, bits.shape())
        })
    }

    /// The distribution of `mean` and `cov` (or `scaleTril`) with the options `o`.
    fn factor(&self, mean: &JsValue, cov: &JsValue, o: &Options) -> JsResult<WasmDistribution> {
        let mut prof = crate::profile::Profile::start();
        let mean_arr = convert::array(MVN, "mean", mean, &o.get("meanShape"))?;
        // One of scaleTril, precision, diag and covFactor with covDiag in place of cov: used as
        // given, so cov and the factoring options are refused (as the CLI does).
        let given: Vec<&str> = ["scaleTril", "precision", "diag", "covFactor", "covDiag"].into_iter().filter(|k| !o.get(k).is_undefined()).collect();
        if given.iter().any(|k| k.starts_with("covF") || k.starts_with("covD")) {
            return self.low_rank(&mean_arr, cov, o, &given);
        }
        if given.len() > 1 {
            return fail(ErrorKind::InvalidArgument, MVN, format!("pass one of scaleTril, precision and diag, not {}.", given.join(" and ")));
        }
        let alt = given.first().copied();
        let tril = alt.map_or(JsValue::UNDEFINED, |k| o.get(k));
        let scale_tril = alt.is_some();
        let mut cov_shape = o.get("covShape");
        if let Some(alt) = alt {
            if !(cov.is_undefined() || cov.is_null()) {
                return fail(ErrorKind::InvalidArgument, MVN, format!("pass either cov or {alt}, not both (cov must be null or undefined with {alt})."));
            }
            for name in ["method", "onInvalid"] {
                if !o.get(name).is_undefined() {
                    return fail(ErrorKind::InvalidArgument, MVN, format!("{name} applies to cov only; {alt} is used as given."));
                }
            }
        }
        let cov = if scale_tril { &tril } else { cov };
        // A flat cov of n * n values (typed, or an array of numbers) is one n x n matrix.
        let flat_numbers = js_sys::Array::is_array(cov) && Reflect::get_u32(cov, 0).map(|e| e.as_f64().is_some()).unwrap_or(false);
        if cov_shape.is_undefined() && alt != Some("diag") && (js_sys::ArrayBuffer::is_view(cov) || flat_numbers) && mean_arr.ndim() > 0 {
            let n = mean_arr.shape()[mean_arr.ndim() - 1];
            let len = Reflect::get(cov, &"length".into()).ok().and_then(|l| l.as_f64()).unwrap_or(-1.0);
            if len == (n * n) as f64 {
                cov_shape = js_sys::Array::of2(&(n as f64).into(), &(n as f64).into()).into();
            }
        }
        let cov_name = alt.unwrap_or("cov");
        let cov_arr = convert::array(MVN, cov_name, cov, &cov_shape)?;
        if cov_arr.ndim() < 2 && cov_shape.is_undefined() && alt != Some("diag") {
            let n = cov_arr.shape().first().copied().unwrap_or(1);
            return fail(
                ErrorKind::InvalidShape,
                MVN,
                format!("{cov_name} must have at least two dimensions; a flat {cov_name} of {n} values needs its shape: pass {{ data, shape: [n, n] }}, nested rows, or the covShape option."),
            );
        }
        prof.mark("read inputs");
        let (method, dtype, on_invalid) = (o.string("method", "cholesky")?, dtype_of(o)?, o.string("onInvalid", "raise")?);
        let dist = if scale_tril {
            js(dtype.require_float32(MVN))?;
            js(match alt {
                Some("precision") => MultivariateNormal::from_precision(&mean_arr, &cov_arr),
                Some("diag") => MultivariateNormal::from_diag(&mean_arr, &cov_arr),
                _ => MultivariateNormal::from_scale_tril(&mean_arr, &cov_arr),
            })?
        } else {
            let options = crate::Options {
                method: js(Method::from_str(&method))?,
                dtype,
                on_invalid: js(OnInvalid::from_str(&on_invalid))?,
                tolerance: None,
            };
            js(MultivariateNormal::new(&mean_arr, &cov_arr, &options))?
        };
        for w in dist.warnings() {
            warn(w);
        }
        Ok(WasmDistribution::new(dist, self.inner.clone()))
    }

    /// `cov = covFactor covFactorᵀ + diag(covDiag)` (torch's `LowRankMultivariateNormal`),
    /// never formed: `given` are the options in cov's place.
    fn low_rank(&self, mean: &Array, cov: &JsValue, o: &Options, given: &[&str]) -> JsResult<WasmDistribution> {
        if given != ["covFactor", "covDiag"] {
            return fail(ErrorKind::InvalidArgument, MVN, format!("a low-rank covariance takes covFactor and covDiag together, and nothing else in cov's place; got {}.", given.join(" and ")));
        }
        if !(cov.is_undefined() || cov.is_null()) {
            return fail(ErrorKind::InvalidArgument, MVN, "pass either cov or covFactor and covDiag, not both (cov must be null or undefined with them).");
        }
        for name in ["method", "onInvalid", "covShape"] {
            if !o.get(name).is_undefined() {
                return fail(ErrorKind::InvalidArgument, MVN, format!("{name} applies to cov only; covFactor and covDiag are used as given (pass covFactor as nested rows or {{ data, shape }})."));
            }
        }
        js(dtype_of(o)?.require_float32(MVN))?;
        let w = convert::array(MVN, "covFactor", &o.get("covFactor"), &JsValue::UNDEFINED)?;
        let d = convert::array(MVN, "covDiag", &o.get("covDiag"), &JsValue::UNDEFINED)?;
        Ok(WasmDistribution::low_rank(js(LowRankMultivariateNormal::new(mean, &w, &d))?, self.inner.clone()))
    }
}

/// The `dtype` option of `multivariate_normal` (its errors named for that op).
fn dtype_of(o: &Options) -> JsResult<Dtype> {
    Dtype::from_str(&o.string("dtype", "float32")?).map_err(|e| js_error(crate::Error::new(e.kind(), MVN, e.message().trim_start_matches("[dtype] "))))
}
