//! `shaders/fill.wgsl`: `fill_bits`, `fill_uniform` and `fill_normal_pairs` write a range of
//! words of one key's stream, transformed, to `out_words`.

use super::bind::{dispatch, params_entry, storage_entry, whole, Recorder, Region, WORKGROUP};
use super::wgsl::{FILL, NORMAL, THREEFRY};
use crate::gpu::chunks::dispatches;
use crate::gpu::pipelines::{compute_pipeline, shader_module};
use crate::prng::bits::Layout;
use crate::request::Transform;
use bytemuck::{Pod, Zeroable};

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct FillParams {
    key: [u32; 2],
    total_words: u32,
    /// bits/uniform: global index of this dispatch's first word; normal: of the range's first word.
    word_offset: u32,
    /// Invocations in this dispatch (words; blocks for normals).
    count: u32,
    groups_x: u32,
    /// bits/uniform: index in `out_words` of the first word; normal: the dispatch's first block.
    out_offset: u32,
    /// normal: end of the word range (words outside `[word_offset, word_end)` are not written).
    word_end: u32,
    /// normal: `rn(sqrt(2) * scale)`; uniform: range.
    a: f32,
    /// normal: loc; uniform: low.
    b: f32,
    /// 1.0, read at run time (see `normal.wgsl`).
    one: f32,
    _pad: u32,
}

/// The fill module's source.
pub(crate) fn module_source() -> String {
    format!("{THREEFRY}\n{NORMAL}\n{FILL}")
}

/// The fill kernels' layout and pipelines, built at start-up.
pub(crate) struct Pipelines {
    layout: wgpu::BindGroupLayout,
    bits: wgpu::ComputePipeline,
    uniform: wgpu::ComputePipeline,
    normal_pairs: wgpu::ComputePipeline,
}

impl Pipelines {
    pub fn new(device: &wgpu::Device) -> Pipelines {
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor { label: Some("mvn::fill"), entries: &[params_entry(0), storage_entry(1, false)] });
        let module = shader_module(device, "mvn::fill", &module_source());
        let pipeline = |name: &str| compute_pipeline(device, &format!("mvn::{name}"), &layout, &module, name);
        Pipelines { bits: pipeline("fill_bits"), uniform: pipeline("fill_uniform"), normal_pairs: pipeline("fill_normal_pairs"), layout }
    }
}

/// Records dispatches writing words `[word0, word0 + count)` of `key`'s stream (of `layout`),
/// transformed, to `out` from its index 0.
#[allow(clippy::too_many_arguments)]
pub(crate) fn encode(r: &Recorder, p: &Pipelines, enc: &mut wgpu::CommandEncoder, transform: Transform, key: [u32; 2], layout: Layout, word0: u32, count: u32, out: &Region) {
    let (pipeline, a, b) = match transform {
        Transform::Bits => (&p.bits, 0.0, 0.0),
        Transform::Uniform { low, range } => (&p.uniform, range, low),
        Transform::Normal { a, loc } => (&p.normal_pairs, a, loc),
    };
    // Normals hash each Threefry block once for both of its words: dispatch over the blocks
    // whose words fall in [word0, word0 + count).
    let pairs = matches!(transform, Transform::Normal { .. });
    let (first_item, items) = if pairs { layout.blocks_covering(word0, word0 + count) } else { (0, count) };
    for (first, c, gx, gy) in dispatches(items as u64, WORKGROUP, r.max_workgroups) {
        let params = FillParams {
            key,
            total_words: layout.total,
            word_offset: if pairs { word0 } else { word0 + first as u32 },
            count: c as u32,
            groups_x: gx,
            out_offset: first_item + first as u32,
            word_end: if pairs { word0 + count } else { 0 },
            a,
            b,
            one: 1.0,
            _pad: 0,
        };
        let pb = r.params("mvn::fill params", &params);
        let bg = r.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("mvn::fill"),
            layout: &p.layout,
            entries: &[whole(0, &pb), out.entry(1)],
        });
        dispatch(enc, "mvn::fill", pipeline, &bg, gx, gy);
    }
}
