//! `shaders/rowmap.wgsl`'s `RowMaps`: for each output row, its mean row and covariance row,
//! computed in the kernel from the merged broadcast maps (up to 8 dimensions each), or read
//! from an explicit `row_index` buffer when the maps have more dimensions.

use crate::request::SampleRequest;
use crate::shape::BroadcastMap;
use bytemuck::{Pod, Zeroable};

const MAX_MAP_DIMS: usize = 8;

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub(crate) struct RowMaps {
    /// Merged dimensions of the mean map; `u32::MAX`: use the explicit `row_index` buffer.
    ndim_mean: u32,
    ndim_cov: u32,
    _pad: [u32; 2],
    mean_dims: [u32; 8],
    mean_strides: [u32; 8],
    cov_dims: [u32; 8],
    cov_strides: [u32; 8],
}

impl RowMaps {
    /// The maps of `req`, or `None` when they have more merged dimensions than fit.
    pub fn of(req: &SampleRequest) -> Option<RowMaps> {
        Self::of_maps(&req.mean_map, &req.cov_map)
    }

    /// The maps of each row to its mean row and its covariance, or `None` when they have more
    /// merged dimensions than fit.
    pub fn of_maps(m: &BroadcastMap, c: &BroadcastMap) -> Option<RowMaps> {
        if m.dims.len() > MAX_MAP_DIMS || c.dims.len() > MAX_MAP_DIMS {
            return None;
        }
        let mut r = RowMaps { ndim_mean: m.dims.len() as u32, ndim_cov: c.dims.len() as u32, ..RowMaps::EXPLICIT };
        for (k, (&d, &s)) in m.dims.iter().zip(&m.strides).enumerate() {
            r.mean_dims[k] = d as u32;
            r.mean_strides[k] = s as u32;
        }
        for (k, (&d, &s)) in c.dims.iter().zip(&c.strides).enumerate() {
            r.cov_dims[k] = d as u32;
            r.cov_strides[k] = s as u32;
        }
        Some(r)
    }

    /// "Use the explicit row_index buffer."
    pub const EXPLICIT: RowMaps =
        RowMaps { ndim_mean: u32::MAX, ndim_cov: u32::MAX, _pad: [0; 2], mean_dims: [1; 8], mean_strides: [0; 8], cov_dims: [1; 8], cov_strides: [0; 8] };
}

/// The explicit `(mean row, cov row)` pairs of rows `[r0, r1)`, for maps that do not fit.
pub(crate) fn row_index(req: &SampleRequest, r0: usize, r1: usize) -> Vec<u32> {
    (r0..r1).flat_map(|r| [req.mean_map.index(r) as u32, req.cov_map.index(r) as u32]).collect()
}
