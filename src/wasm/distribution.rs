//! The validated, factored distribution behind the JavaScript `Distribution` class.

use super::convert;
use super::error::{fail, js, JsResult};
use super::results::{array64_result, array_result, check_objects, data_result, float32, set, shape_js};
use crate::{ErrorKind, MultivariateNormal, Sampler};
use js_sys::{Array as JsArray, Object, Promise};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

#[wasm_bindgen]
pub struct WasmDistribution {
    inner: Rc<MultivariateNormal>,
    sampler: Rc<Sampler>,
}

impl WasmDistribution {
    pub(crate) fn new(dist: MultivariateNormal, sampler: Rc<Sampler>) -> Self {
        WasmDistribution { inner: Rc::new(dist), sampler }
    }

    /// Samples read back (`{ data, shape }`) or kept on the GPU (`{ buffer, device, shape }`),
    /// through one future (each future type adds kilobytes to the package's wasm). On WebGPU,
    /// samples to read back that fit one buffer come as `{ buffer, device, shape, readback: true }`:
    /// js/index.js maps a copy of the buffer straight into the result's Float32Array, without a
    /// round trip through the wasm heap. `into`: the caller's `GPUBuffer` to write (with
    /// `to_buffer`), or `undefined`.
    pub(crate) fn draw(&self, op: &'static str, shape: JsValue, key: JsValue, to_buffer: bool, out: JsValue, into: JsValue) -> JsResult<Promise> {
        let (shape, key) = (convert::shape(op, &shape)?, convert::key(op, &key)?);
        let (d, s) = (self.inner.clone(), self.sampler.clone());
        let into = match (into.is_undefined(), s.device()) {
            (true, _) => None,
            (false, None) => return fail(ErrorKind::InvalidArgument, op, "the CPU backend has no GPU buffers; use sample()."),
            (false, Some(device)) => Some((super::device::app_buffer(op, &device, &into)?, into)),
        };
        let len = js(d.output_shape(&shape))?.iter().product::<usize>();
        let out = convert::out_array(op, &out, len, to_buffer)?;
        let bytes = len as u64 * 4;
        // Small results keep the wasm path, which reuses its scratch buffers across calls; from
        // 1 MiB on, skipping the wasm heap wins (a buffer per call, then mapped in JavaScript).
        let read_in_js = !to_buffer && bytes >= READ_IN_JS_BYTES && s.limits().is_some_and(|l| bytes <= l.max_buffer_size);
        // One key for a call that may run twice (a device lost under it).
        let key = if read_in_js { Some(crate::key::resolve(key)) } else { key };
        Ok(future_to_promise(async move {
            if !to_buffer && !read_in_js {
                return read_result(op, &js(s.sample(&d, &shape, key).await)?, out);
            }
            let gpu_op = if into.is_some() { op } else { "sample_to_buffer" };
            let gpu = js(s.to_gpu(gpu_op, &d, &shape, key, into.as_ref().map(|(b, _)| b)).await)?;
            if read_in_js && s.device_lost().is_some() {
                // The device was lost under this call (its samples are not there): Rust's own
                // readback replaces the device and runs the call again, as without read_in_js.
                return read_result(op, &js(s.sample(&d, &shape, key).await)?, out);
            }
            let obj = Object::new();
            // The caller's buffer goes back as given (the same object).
            let buffer: JsValue = match into {
                Some((_, given)) => given,
                None => gpu.buffer.as_webgpu().map(|b| b.clone().into()).unwrap_or(JsValue::NULL),
            };
            let device: JsValue = gpu.device.as_webgpu().map(|d| d.clone().into()).unwrap_or(JsValue::NULL);
            set(&obj, "buffer", buffer);
            set(&obj, "device", device);
            set(&obj, "shape", shape_js(&gpu.shape));
            if read_in_js {
                set(&obj, "readback", true);
                if let Some(out) = out {
                    set(&obj, "out", out);
                }
            }
            Ok(obj.into())
        }))
    }
}

/// Results this large or larger are read back by js/index.js straight from a mapped buffer.
const READ_IN_JS_BYTES: u64 = 1 << 20;

/// Samples read back in wasm as `{ data, shape }`, `data` the caller's `out` when given.
fn read_result(op: &str, a: &crate::Array, out: Option<js_sys::Float32Array>) -> JsResult<JsValue> {
    let mut prof = crate::profile::Profile::start();
    let result = match out {
        Some(out) => {
            out.copy_from(a.data());
            data_result(out.into(), a.shape())
        }
        None => array_result(op, a),
    };
    prof.mark("copy to Float32Array");
    result
}

#[wasm_bindgen]
impl WasmDistribution {
    /// Samples of shape `broadcast(shape, batch) + (n,)`: resolves to `{ data, shape }`.
    /// `options`: `{ key, out }`, `out` a `Float32Array` of the output's size to write into.
    pub fn sample(&self, shape: JsValue, options: JsValue) -> JsResult<Promise> {
        let o = convert::Options::read("multivariate_normal", &options, &["key", "out"])?;
        self.draw("multivariate_normal", shape, o.get("key"), false, o.get("out"), JsValue::UNDEFINED)
    }

    /// Samples kept on the GPU: resolves to `{ buffer: GPUBuffer, device: GPUDevice, shape }`
    /// (usage STORAGE | VERTEX | COPY_SRC, row-major float32). `options`: `{ key }`.
    #[wasm_bindgen(js_name = sampleToBuffer)]
    pub fn sample_to_buffer(&self, shape: JsValue, options: JsValue) -> JsResult<Promise> {
        let o = convert::Options::read("sample_to_buffer", &options, &["key"])?;
        self.draw("sample_to_buffer", shape, o.get("key"), true, JsValue::UNDEFINED, JsValue::UNDEFINED)
    }

    /// Samples written into the caller's `GPUBuffer` (STORAGE usage, at least 4 bytes per
    /// value, on the sampler's device) from offset 0, with no allocation: resolves to
    /// `{ buffer, device, shape }`. `options`: `{ key }`.
    #[wasm_bindgen(js_name = sampleInto)]
    pub fn sample_into(&self, buffer: JsValue, shape: JsValue, options: JsValue) -> JsResult<Promise> {
        if buffer.is_undefined() {
            return fail(ErrorKind::InvalidArgument, "sample_into", "buffer must be a GPUBuffer (from device.createBuffer()), got undefined.");
        }
        let o = convert::Options::read("sample_into", &options, &["key"])?;
        self.draw("sample_into", shape, o.get("key"), true, JsValue::UNDEFINED, buffer)
    }

    /// One report per distinct covariance: `{ batchIndex, method, methodUsed, rank,
    /// minEigenvalue, maxEigenvalue, clipped }`.
    #[wasm_bindgen(getter)]
    pub fn report(&self) -> JsResult<JsArray> {
        check_objects("report", "reports", self.inner.num_factors(), "")?;
        Ok(js(self.inner.reports())?
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
            .collect())
    }

    /// The factors `R` (`x = mean + z R`), one per distinct covariance: `{ data, shape: [k, n, n] }`.
    #[wasm_bindgen(getter)]
    pub fn factors(&self) -> JsResult<JsValue> {
        let (n, data) = (self.inner.dim(), self.inner.factors());
        let k = if n == 0 { 0 } else { data.len() / (n * n) };
        data_result(float32("factors", data)?.into(), &[k, n, n])
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

    /// The log-density at float32 points `x (..., n)`, broadcast against the batch, in f64:
    /// `{ data: Float64Array, shape }`. `options`: `{ allowSingular, xShape }`.
    #[wasm_bindgen(js_name = logProb)]
    pub fn log_prob(&self, x: JsValue, options: JsValue) -> JsResult<JsValue> {
        const OP: &str = "log_prob";
        let o = convert::Options::read(OP, &options, &["allowSingular", "xShape"])?;
        let x = convert::array(OP, "x", &x, &o.get("xShape"))?;
        let x64: Vec<f64> = x.data().iter().map(|&v| v as f64).collect();
        array64_result(OP, &js(self.inner.log_prob(x.shape(), &x64, o.get("allowSingular").is_truthy()))?)
    }

    /// The conditional distribution of the other coordinates given `x[indices] = values`
    /// (`values (..., k)`, broadcast against the batch). `options`: `{ valuesShape }`.
    pub fn condition(&self, indices: JsValue, values: JsValue, options: JsValue) -> JsResult<WasmDistribution> {
        const OP: &str = "condition";
        let o = convert::Options::read(OP, &options, &["valuesShape"])?;
        let idx: Vec<usize> = convert::shape(OP, &indices)?.into_iter().map(|i| i as usize).collect();
        let v = convert::array(OP, "values", &values, &o.get("valuesShape"))?;
        let (vshape, v64) = (if v.ndim() == 0 { vec![1] } else { v.shape().to_vec() }, v.data().iter().map(|&x| x as f64).collect::<Vec<_>>());
        Ok(WasmDistribution::new(js(self.inner.condition(&idx, &vshape, &v64))?, self.sampler.clone()))
    }

    /// `what` of the distribution in f64: `mean`, `covariance`, `scaleTril` or `entropy`, as
    /// `{ data: Float64Array, shape }` (one entry point keeps the wasm small).
    pub fn moments(&self, what: &str) -> JsResult<JsValue> {
        let a = match what {
            "mean" => self.inner.mean(),
            "covariance" => self.inner.covariance(),
            "scaleTril" => js(self.inner.scale_tril())?,
            _ => js(self.inner.entropy())?,
        };
        array64_result(what, &a)
    }
}
