//! The validated, factored distribution behind the JavaScript `Distribution` class.

use super::convert;
use super::error::{js, JsResult};
use super::results::{array_result, check_objects, data_result, float32, set, shape_js};
use crate::{MultivariateNormal, Sampler};
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
    /// through one future (each future type adds kilobytes to the package's wasm).
    pub(crate) fn draw(&self, op: &'static str, shape: JsValue, key: JsValue, to_buffer: bool) -> JsResult<Promise> {
        let (shape, key) = (convert::shape(op, &shape)?, convert::key(op, &key)?);
        let (d, s) = (self.inner.clone(), self.sampler.clone());
        Ok(future_to_promise(async move {
            if !to_buffer {
                return array_result(op, &js(s.sample(&d, &shape, key).await)?);
            }
            let out = js(s.sample_to_buffer(&d, &shape, key).await)?;
            let obj = Object::new();
            let buffer: JsValue = out.buffer.as_webgpu().map(|b| b.clone().into()).unwrap_or(JsValue::NULL);
            let device: JsValue = s.device().and_then(|d| d.as_webgpu().map(|d| d.clone().into())).unwrap_or(JsValue::NULL);
            set(&obj, "buffer", buffer);
            set(&obj, "device", device);
            set(&obj, "shape", shape_js(&out.shape));
            Ok(obj.into())
        }))
    }
}

#[wasm_bindgen]
impl WasmDistribution {
    /// Samples of shape `broadcast(shape, batch) + (n,)`: resolves to `{ data, shape }`.
    pub fn sample(&self, shape: JsValue, key: JsValue) -> JsResult<Promise> {
        self.draw("multivariate_normal", shape, key, false)
    }

    /// Samples kept on the GPU: resolves to `{ buffer: GPUBuffer, device: GPUDevice, shape }`
    /// (usage STORAGE | VERTEX | COPY_SRC, row-major float32).
    #[wasm_bindgen(js_name = sampleToBuffer)]
    pub fn sample_to_buffer(&self, shape: JsValue, key: JsValue) -> JsResult<Promise> {
        self.draw("sample_to_buffer", shape, key, true)
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
}
