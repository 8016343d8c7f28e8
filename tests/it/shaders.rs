//! Every WGSL module parses and validates with naga, with no GPU.

use naga::valid::{Capabilities, ValidationFlags, Validator};

fn validate(label: &str, src: &str) -> naga::Module {
    let module = naga::front::wgsl::parse_str(src).unwrap_or_else(|e| panic!("{label}: {}", e.emit_to_string(src)));
    Validator::new(ValidationFlags::all(), Capabilities::empty())
        .validate(&module)
        .unwrap_or_else(|e| panic!("{label}: {}", e.emit_to_string(src)));
    module
}

#[test]
fn every_shader_module_validates_with_naga() {
    let expected = [("mvn::fill", vec!["fill_bits", "fill_uniform", "fill_normal"]), ("mvn::affine", vec!["affine"])];
    let modules = mvn_gpu::shaders::modules();
    assert_eq!(modules.len(), expected.len());
    for ((label, src), (want_label, entries)) in modules.iter().zip(expected) {
        assert_eq!(*label, want_label);
        let m = validate(label, src);
        let names: Vec<&str> = m.entry_points.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, entries, "{label}");
    }
}

#[test]
fn shader_libraries_validate_on_their_own() {
    validate("threefry", mvn_gpu::shaders::THREEFRY);
    validate("threefry+normal", &format!("{}\n{}", mvn_gpu::shaders::THREEFRY, mvn_gpu::shaders::NORMAL));
}
