// The status line: one instanced quad per character, pixels from a 5x7 bitmap.

struct Text {
    origin: vec2<f32>,   // top-left, pixels
    screen: vec2<f32>,   // viewport size, pixels
    scale: f32,          // pixels per font pixel
    _pad0: f32,
    _pad1: f32,
    _pad2: f32,
    color: vec4<f32>,
}

@group(0) @binding(0) var<uniform> text: Text;
@group(0) @binding(1) var<storage, read> glyphs: array<vec2<u32>>;

struct VsOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) uv: vec2<f32>,
    @location(1) @interpolate(flat) glyph: u32,
}

@vertex
fn vs_text(@builtin(vertex_index) v: u32, @builtin(instance_index) k: u32) -> VsOut {
    let corners = array<vec2<f32>, 6>(vec2(0.0, 0.0), vec2(1.0, 0.0), vec2(0.0, 1.0), vec2(0.0, 1.0), vec2(1.0, 0.0), vec2(1.0, 1.0));
    let c = corners[v];
    let px = text.origin + vec2<f32>(f32(k) * 6.0, 0.0) * text.scale + c * vec2<f32>(5.0, 7.0) * text.scale;
    var out: VsOut;
    out.pos = vec4<f32>(px.x / text.screen.x * 2.0 - 1.0, 1.0 - px.y / text.screen.y * 2.0, 0.0, 1.0);
    out.uv = c * vec2<f32>(5.0, 7.0);
    out.glyph = k;
    return out;
}

@fragment
fn fs_text(in: VsOut) -> @location(0) vec4<f32> {
    let col = min(u32(in.uv.x), 4u);
    let row = min(u32(in.uv.y), 6u);
    let bit = row * 5u + col;
    let g = glyphs[in.glyph];
    var on: u32;
    if (bit < 32u) { on = (g.x >> bit) & 1u; } else { on = (g.y >> (bit - 32u)) & 1u; }
    if (on == 0u) {
        discard;
    }
    return text.color;
}
