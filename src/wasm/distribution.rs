//! The validated distribution behind the JavaScript `Distribution` class: a dense covariance
//! held by its factors, or `W Wᵀ + diag(d)` held as `W` and `d` (never formed to sample).

use super::convert;
use super::device::{app_buffer, is_buffer};
use super::error::{fail, js, JsResult};
use super::results::{array64_result, array_result, check_objects, data_result, float32, set, shape_js};
use crate::{ErrorKind, GpuArray, LowRankMultivariateNormal, MultivariateNormal, Sampler};
use js_sys::{Array as JsArray, Object, Promise};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// What a JavaScript `Distribution` holds.
#[derive(Clone)]
enum Kind {
    Dense(Rc<MultivariateNormal>),
    LowRank(Rc<LowRankMultivariateNormal>),
}

#[wasm_bindgen]
pub struct WasmDistribution {
    inner: Kind,
    sampler: Rc<Sampler>,
}

impl WasmDistribution {
    pub(crate) fn new(dist: MultivariateNormal, sampler: Rc<Sampler>) -> Self {
        WasmDistribution { inner: Kind::Dense(Rc::new(dist)), sampler }
    }

    pub(crate) fn low_rank(dist: LowRankMultivariateNormal, sampler: Rc<Sampler>) -> Self {
        WasmDistribution { inner: Kind::LowRank(Rc::new(dist)), sampler }
    }

    /// The distribution with a dense covariance: itself, or a low-rank one's formed.
    fn dense_form(&self) -> JsResult<Rc<MultivariateNormal>> {
        match &self.inner {
            Kind::Dense(d) => Ok(d.clone()),
            Kind::LowRank(l) => Ok(Rc::new(js(l.to_dense())?)),
        }
    }

    /// The dense distribution, or `op`'s error naming what a low-rank one offers instead.
    fn dense(&self, op: &str) -> JsResult<&Rc<MultivariateNormal>> {
        match &self.inner {
            Kind::Dense(d) => Ok(d),
            Kind::LowRank(_) => fail(
                ErrorKind::InvalidArgument,
                op,
                "a low-rank distribution (covFactor, covDiag) has no n x n factors and no GPU log-density kernel: use logProb(), logProbAsync() with points on the host, the getters, or toDense().",
            ),
        }
    }

    /// Samples read back (`{ data, shape }`) or kept on the GPU (`{ buffer, device, shape }`),
    /// through one future (each future type adds kilobytes to the package's wasm). On WebGPU,
    /// samples to read back that fit one buffer come as `{ buffer, device, shape, readback: true }`:
    /// js/index.js maps a copy of the buffer straight into the result's Float32Array, without a
    /// round trip through the wasm heap. `into`: the caller's `GPUBuffer` to write (with
    /// `to_buffer`), or `undefined`.
    pub(crate) fn draw(&self, op: &'static str, shape: JsValue, key: JsValue, to_buffer: bool, out: JsValue, into: JsValue) -> JsResult<Promise> {
        let (shape, key) = (convert::shape(op, &shape)?, convert::key(op, &key)?);
        let s = self.sampler.clone();
        if let Kind::LowRank(l) = &self.inner {
            return self.draw_low_rank(op, l.clone(), shape, key, to_buffer, out, into);
        }
        let d = self.dense(op)?.clone();
        let into = caller_buffer(op, &s, into)?;
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
            let obj = on_gpu(&gpu.buffer, &gpu.device, &gpu.shape, into.map(|(_, given)| given));
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

impl WasmDistribution {
    /// [`WasmDistribution::draw`] of a low-rank distribution: read back in the wasm, or kept on
    /// the GPU (a new buffer, or the caller's `into`).
    #[allow(clippy::too_many_arguments)]
    fn draw_low_rank(&self, op: &'static str, l: Rc<LowRankMultivariateNormal>, shape: Vec<i64>, key: Option<crate::Key>, to_buffer: bool, out: JsValue, into: JsValue) -> JsResult<Promise> {
        let s = self.sampler.clone();
        let len = js(l.output_shape(&shape))?.iter().product::<usize>();
        let out = convert::out_array(op, &out, len, to_buffer)?;
        if !to_buffer {
            return Ok(future_to_promise(async move { read_result(op, &js(s.sample_low_rank(&l, &shape, key).await)?, out) }));
        }
        let into = caller_buffer(op, &s, into)?;
        Ok(future_to_promise(async move {
            let gpu = js(s.low_rank_to_gpu(if into.is_some() { op } else { "sample_to_buffer" }, &l, &shape, key, into.as_ref().map(|(b, _)| b)).await)?;
            Ok(on_gpu(&gpu.buffer, &gpu.device, &gpu.shape, into.map(|(_, given)| given)).into())
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
        let Kind::Dense(d) = &self.inner else { return Ok(JsArray::new()) };
        check_objects("report", "reports", d.num_factors(), "")?;
        Ok(js(d.reports())?
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
        let d = self.dense("factors")?;
        let (n, data) = (d.dim(), d.factors());
        let k = if n == 0 { 0 } else { data.len() / (n * n) };
        data_result(float32("factors", data)?.into(), &[k, n, n])
    }

    /// Warnings recorded while factoring (`onInvalid: 'warn'`).
    #[wasm_bindgen(getter)]
    pub fn warnings(&self) -> JsArray {
        let Kind::Dense(d) = &self.inner else { return JsArray::new() };
        d.warnings().iter().map(|w| JsValue::from(w.as_str())).collect()
    }

    /// The dimension `n`.
    #[wasm_bindgen(getter)]
    pub fn dim(&self) -> usize {
        match &self.inner {
            Kind::Dense(d) => d.dim(),
            Kind::LowRank(l) => l.dim(),
        }
    }

    /// The rank of `covFactor` (low-rank distributions), or `null`.
    #[wasm_bindgen(getter)]
    pub fn rank(&self) -> Option<usize> {
        match &self.inner {
            Kind::Dense(_) => None,
            Kind::LowRank(l) => Some(l.rank()),
        }
    }

    /// The batch shape of mean and cov.
    #[wasm_bindgen(getter, js_name = batchShape)]
    pub fn batch_shape(&self) -> JsArray {
        shape_js(&match &self.inner {
            Kind::Dense(d) => d.batch_shape(),
            Kind::LowRank(l) => l.batch_shape(),
        })
    }

    /// The log-density at float32 points `x (..., n)`, broadcast against the batch, in f64:
    /// `{ data: Float64Array, shape }`. `options`: `{ allowSingular, xShape }`.
    #[wasm_bindgen(js_name = logProb)]
    pub fn log_prob(&self, x: JsValue, options: JsValue) -> JsResult<JsValue> {
        const OP: &str = "log_prob";
        let o = convert::Options::read(OP, &options, &["allowSingular", "xShape"])?;
        let x = convert::array(OP, "x", &x, &o.get("xShape"))?;
        let x64: Vec<f64> = x.data().iter().map(|&v| v as f64).collect();
        array64_result(OP, &js(match &self.inner {
            Kind::Dense(d) => d.log_prob(x.shape(), &x64, o.get("allowSingular").is_truthy()),
            Kind::LowRank(l) => l.log_prob(x.shape(), &x64),
        })?)
    }

    /// Log-densities in float32 on the sampler's backend: on WebGPU the `logpdf` kernel (what
    /// it does not serve, and the CPU backend, take the f64 path, rounded). `x`: points on the
    /// host, or a `GPUBuffer` of them (float32, `options.xShape` required). `into`: the
    /// caller's `GPUBuffer` for the results (resolves to `{ buffer, device, shape }`), or
    /// `undefined` to read them back (`{ data, shape }`, `data` the `out` option when given).
    /// `options`: `{ allowSingular, xShape, out }`.
    #[wasm_bindgen(js_name = logProbAsync)]
    pub fn log_prob_async(&self, x: JsValue, options: JsValue, into: JsValue) -> JsResult<Promise> {
        let op = if into.is_undefined() { "log_prob" } else { "log_prob_into" };
        let o = convert::Options::read(op, &options, &["allowSingular", "xShape", "out"])?;
        let (allow, s) = (o.get("allowSingular").is_truthy(), self.sampler.clone());
        let on_device = is_buffer(&x);
        let host = if on_device { None } else { Some(convert::array(op, "x", &x, &o.get("xShape"))?) };
        if let (Kind::LowRank(l), Some(x), true) = (&self.inner, &host, into.is_undefined()) {
            // No kernel for W Wᵀ + diag(d): its O(n r) f64 path, rounded.
            let x64: Vec<f64> = x.data().iter().map(|&v| v as f64).collect();
            let lp = js(l.log_prob(x.shape(), &x64))?;
            let out = convert::out_array(op, &o.get("out"), lp.data.len(), false)?;
            let a = crate::Array::from_parts(lp.shape, lp.data.iter().map(|&v| v as f32).collect());
            return Ok(future_to_promise(async move { read_result(op, &a, out) }));
        }
        let d = self.dense(op)?.clone();
        let gpu = s.device().zip(s.queue());
        if (on_device || !into.is_undefined()) && gpu.is_none() {
            return fail(ErrorKind::InvalidArgument, op, "the CPU backend has no GPU buffers: pass points on the host, without a buffer to write into.");
        }
        let x_shape: Vec<usize> = match &host {
            Some(x) => x.shape().to_vec(),
            None if o.get("xShape").is_undefined() => return fail(ErrorKind::InvalidArgument, op, "points in a GPUBuffer need their shape: pass the xShape option."),
            None => convert::shape(op, &o.get("xShape"))?.into_iter().map(|d| d as usize).collect(),
        };
        let len = js(d.points(&x_shape, x_shape.iter().product(), None))?.count;
        let out = if into.is_undefined() { convert::out_array(op, &o.get("out"), len, false)? } else { None };
        if !into.is_undefined() && !o.get("out").is_undefined() {
            return fail(ErrorKind::InvalidArgument, op, "out applies to results read back, not to results written into a GPUBuffer.");
        }
        let target = caller_buffer(op, &s, into)?;
        let x_buffer = match (&gpu, on_device) {
            (Some((device, _)), true) => Some(app_buffer(op, device, &x)?),
            _ => None,
        };
        Ok(future_to_promise(async move {
            let Some((device, queue)) = gpu.filter(|_| x_buffer.is_some() || target.is_some()) else {
                let x = host.unwrap_or_else(|| crate::Array::from_parts(vec![0], vec![]));
                return read_result(op, &js(s.log_prob(&d, &x, allow).await)?, out);
            };
            // Points on the host that go to a GPU buffer are uploaded first.
            let xb = x_buffer.unwrap_or_else(|| upload(&device, &queue, host.as_ref().map_or(&[][..], |a| a.data())));
            let (result, given) = match target {
                Some((b, given)) => (b, Some(given)),
                None => (device.create_buffer(&wgpu::BufferDescriptor { label: Some("mvn::log_prob out"), size: (len as u64 * 4).max(4), usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC, mapped_at_creation: false }), None),
            };
            let shape = js(s.log_prob_on_device(op, &d, &GpuArray::new(&xb, &x_shape), allow, &result).await)?;
            let read_in_js = given.is_none();
            let obj = on_gpu(&result, &device, &shape, given);
            if read_in_js {
                // Read back in JavaScript (js/index.js), which destroys the buffer.
                set(&obj, "readback", true);
                if let Some(out) = out {
                    set(&obj, "out", out);
                }
            }
            Ok(obj.into())
        }))
    }

    /// The conditional distribution of the other coordinates given `x[indices] = values`
    /// (`values (..., k)`, broadcast against the batch). `options`: `{ valuesShape }`.
    pub fn condition(&self, indices: JsValue, values: JsValue, options: JsValue) -> JsResult<WasmDistribution> {
        const OP: &str = "condition";
        let o = convert::Options::read(OP, &options, &["valuesShape"])?;
        let idx: Vec<usize> = convert::shape(OP, &indices)?.into_iter().map(|i| i as usize).collect();
        let v = convert::array(OP, "values", &values, &o.get("valuesShape"))?;
        let (vshape, v64) = (if v.ndim() == 0 { vec![1] } else { v.shape().to_vec() }, v.data().iter().map(|&x| x as f64).collect::<Vec<_>>());
        Ok(WasmDistribution::new(js(self.dense_form()?.condition(&idx, &vshape, &v64))?, self.sampler.clone()))
    }

    /// The same distribution with its covariance formed and factored (`W Wᵀ + diag(d)` as a
    /// float32 `scale_tril`); a dense distribution is returned as it is.
    #[wasm_bindgen(js_name = toDense)]
    pub fn to_dense(&self) -> JsResult<WasmDistribution> {
        Ok(WasmDistribution { inner: Kind::Dense(self.dense_form()?), sampler: self.sampler.clone() })
    }

    /// `what` of the distribution in f64: `mean`, `covariance`, `scaleTril` or `entropy`, as
    /// `{ data: Float64Array, shape }` (one entry point keeps the wasm small).
    pub fn moments(&self, what: &str) -> JsResult<JsValue> {
        let a = match (&self.inner, what) {
            (Kind::Dense(d), "mean") => d.mean(),
            (Kind::Dense(d), "covariance") => d.covariance(),
            (Kind::Dense(d), "scaleTril") => js(d.scale_tril())?,
            (Kind::Dense(d), _) => js(d.entropy())?,
            (Kind::LowRank(l), "mean") => l.mean(),
            (Kind::LowRank(l), "covariance") => l.covariance(),
            (Kind::LowRank(l), "scaleTril") => js(l.scale_tril())?,
            (Kind::LowRank(l), _) => js(l.entropy())?,
        };
        array64_result(what, &a)
    }
}

/// A new `STORAGE | COPY_SRC` buffer holding `data` (at least 4 bytes).
fn upload(device: &wgpu::Device, queue: &wgpu::Queue, data: &[f32]) -> wgpu::Buffer {
    let usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
    let b = device.create_buffer(&wgpu::BufferDescriptor { label: Some("mvn::log_prob points"), size: (data.len() as u64 * 4).max(4), usage, mapped_at_creation: false });
    queue.write_buffer(&b, 0, bytemuck::cast_slice(data));
    b
}

/// The caller's `GPUBuffer` to write (wrapped, and as given), or `None` when `into` is
/// undefined; an error on the CPU backend.
fn caller_buffer(op: &str, s: &Sampler, into: JsValue) -> JsResult<Option<(wgpu::Buffer, JsValue)>> {
    match (into.is_undefined(), s.device()) {
        (true, _) => Ok(None),
        (false, None) => fail(ErrorKind::InvalidArgument, op, "the CPU backend has no GPU buffers; use sample()."),
        (false, Some(device)) => Ok(Some((app_buffer(op, &device, &into)?, into))),
    }
}

/// `{ buffer, device, shape }` of a result on the GPU: `given`, the caller's buffer, goes back
/// as the same object; otherwise the buffer made for the result.
fn on_gpu(buffer: &wgpu::Buffer, device: &wgpu::Device, shape: &[usize], given: Option<JsValue>) -> Object {
    let obj = Object::new();
    set(&obj, "buffer", given.unwrap_or_else(|| buffer.as_webgpu().map(|b| JsValue::from(b.clone())).unwrap_or(JsValue::NULL)));
    set(&obj, "device", device.as_webgpu().map(|d| JsValue::from(d.clone())).unwrap_or(JsValue::NULL));
    set(&obj, "shape", shape_js(shape));
    obj
}
