//! # mvn-gpu
//!
//! MLX's `random` module — `key`, `split`, `bits`, `uniform`, `normal` and
//! `multivariate_normal` — bit-compatible with MLX on the CPU and run as WGSL compute shaders
//! through wgpu on the GPU (Vulkan, Metal, DX12, WebGPU).
//!
//! Shapes follow MLX: `mean: (..., n)`, `cov: (..., n, n)`, and the output of
//! `multivariate_normal` is `broadcast(shape, mean.shape[:-1], cov.shape[:-2]) + (n,)`,
//! float32. Keys are explicit ([`key`], [`split`]) or drawn from the default sequence
//! ([`seed`]) when `None` is passed, exactly as MLX does.
//!
//! ```
//! use mvn_gpu::{key, multivariate_normal, Array, Options};
//! let mean = Array::new([2], vec![1.0, 2.0])?;
//! let cov = Array::new([2, 2], vec![1.0, 0.5, 0.5, 2.0])?;
//! let x = multivariate_normal(&mean, &cov, &[1000], Some(key(42)), &Options::default())?;
//! assert_eq!(x.shape(), &[1000, 2]);
//! # Ok::<(), mvn_gpu::Error>(())
//! ```
//!
//! The GPU path is [`Sampler`]: it creates its own device or takes an application's
//! `wgpu::Device` and `wgpu::Queue`, and returns samples read back or kept in a
//! `wgpu::Buffer`.

#![warn(missing_docs)]

mod alloc;
mod array;
// The `mvn-gpu` command-line tool (feature `cli`; native only: it blocks on the GPU with pollster).
#[cfg(all(feature = "cli", not(target_arch = "wasm32")))]
pub mod cli;
mod cholesky;
mod cpu;
mod density;
mod distribution;
mod error;
mod gpu;
mod key;
mod linalg;
mod log_prob;
mod low_rank;
mod numtext;
mod options;
mod parametrizations;
pub mod prng;
mod profile;
mod random;
mod request;
mod sampler;
pub mod shaders;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod qr;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod symeig;
pub mod shape;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use array::Array;
pub use density::Array64;
pub use distribution::MultivariateNormal;
pub use error::{Error, ErrorKind, Result};
pub use gpu::{ChunkLimits, SamplerOptions};
pub use gpu::GpuArray;
pub use key::{key, next_key, seed, split, split_n, state, Key};
pub use linalg::{FactorMethod, FactorReport};
pub use low_rank::LowRankMultivariateNormal;
pub use options::{Dtype, Method, OnInvalid, Options};
pub use random::{bits, bits_width, multivariate_normal, normal, uniform};
pub use sampler::{Backend, GpuSamples, Sampler};
pub use shape::MAX_ELEMENTS;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
