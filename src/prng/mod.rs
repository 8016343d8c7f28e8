//! The random-number primitives shared by the CPU backend and mirrored by the WGSL kernels.

pub mod bits;
pub mod math;
pub mod threefry;
