//! The README's command-line examples run as written (its Rust examples are doctests).

#[test]
fn readme_command_line_examples_run_as_written() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_mvn-gpu"));
    let dir = std::env::temp_dir().join(format!("mvn-gpu-readme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let mut in_sh = false;
    let mut ran = 0;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_sh = line == "```sh";
            continue;
        }
        if !in_sh || !line.starts_with("mvn-gpu ") {
            continue;
        }
        let out = std::process::Command::new("sh").arg("-c").arg(line).env("PATH", &path).current_dir(&dir).output().unwrap();
        assert!(out.status.success(), "README example failed: {line}\n{}", String::from_utf8_lossy(&out.stderr));
        if let Some(file) = line.split("--out ").nth(1) {
            assert!(dir.join(file.split_whitespace().next().unwrap()).exists(), "{line}");
        } else {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{line}: {e}"));
            // One array, or (`condition`) a mean and a cov.
            let arrays = if v.get("mean").is_some() { vec![&v["mean"], &v["cov"]] } else { vec![&v] };
            for a in arrays {
                let shape: usize = a["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).product();
                assert_eq!(a["data"].as_array().unwrap().len(), shape, "{line}");
            }
        }
        ran += 1;
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(ran >= 7, "found only {ran} examples");
}
