// Draws samples straight from the sample buffer (no readback, no copies): one point per sample,
// coordinates `a` and `b` of each n-vector, mapped to clip space, blended additively so dense
// regions read as density. Used by the native viewer (examples/viewer).

struct View {
    center: vec2<f32>,   // data coordinates at the middle of the viewport
    scale: vec2<f32>,    // clip units per data unit
    n: u32,              // floats per sample
    a: u32,              // coordinate on x
    b: u32,              // coordinate on y
    _pad: u32,
    color: vec4<f32>,    // premultiplied colour added per point
}

@group(0) @binding(0) var<uniform> view: View;
@group(0) @binding(1) var<storage, read> samples: array<f32>;

@vertex
fn vs_points(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
    let p = vec2<f32>(samples[i * view.n + view.a], samples[i * view.n + view.b]);
    return vec4<f32>((p - view.center) * view.scale, 0.0, 1.0);
}

@fragment
fn fs_points() -> @location(0) vec4<f32> {
    return view.color;
}
