//! docs/architecture.md's rule that modules depend downwards only: no module of `src/` uses,
//! through `crate::` or `super::` paths, a module that uses it back.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir` (the binary's `main` aside).
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            if !p.ends_with("bin") {
                rust_files(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/gpu/kernels/fill.rs` → `["gpu", "kernels", "fill"]`; a `mod.rs` names its folder.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The paths a file names after `crate::` or `super::`, with `{a, b::c}` groups expanded (one
/// level), comments left out.
fn named_paths(text: &str, me: &[String]) -> Vec<Vec<String>> {
    let code: String = text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    let mut out = Vec::new();
    for (prefix, base) in [("crate::", Vec::new()), ("super::", me[..me.len().saturating_sub(1)].to_vec())] {
        let mut rest = code.as_str();
        while let Some(i) = rest.find(prefix) {
            let before = rest[..i].chars().last();
            rest = &rest[i + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':' || c == '{')).unwrap_or(rest.len());
            let head = &rest[..end];
            let (stem, group) = match head.find('{') {
                Some(b) => (&head[..b], Some(&rest[b + 1..rest[b..].find('}').map_or(rest.len(), |e| b + e)])),
                None => (head, None),
            };
            let stem: Vec<String> = stem.split("::").filter(|s| !s.is_empty()).map(String::from).collect();
            let items: Vec<Vec<String>> = match group {
                Some(g) => g.split(',').map(|i| i.trim().split("::").map(String::from).collect()).collect(),
                None => vec![vec![]],
            };
            for item in items {
                let mut p = base.clone();
                p.extend(stem.iter().cloned());
                p.extend(item.into_iter().filter(|s| !s.is_empty()));
                out.push(p);
            }
        }
    }
    out
}

/// The items a module re-exports (`pub use x::Item;`, `pub(crate) use x::{A, B as C};`), each
/// with the path it names, relative to the module.
fn re_exports(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| l.starts_with("pub use ") || l.starts_with("pub(crate) use ")) {
        let body = line.split_once("use ").unwrap().1.trim_end_matches(';');
        let (stem, items) = match body.split_once("::{") {
            Some((stem, rest)) => (stem, rest.trim_end_matches('}').split(',').map(str::trim).collect::<Vec<_>>()),
            None => body.rsplit_once("::").map_or((body, vec![]), |(stem, item)| (stem, vec![item])),
        };
        for item in items.into_iter().filter(|i| !i.is_empty()) {
            let (path, name) = item.split_once(" as ").unwrap_or((item, item.rsplit("::").next().unwrap()));
            let mut target: Vec<String> = stem.split("::").map(String::from).collect();
            target.extend(path.split("::").map(String::from));
            out.push((name.trim().to_string(), target));
        }
    }
    out
}

#[test]
fn no_module_of_src_uses_a_module_that_uses_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeMap<String, PathBuf> = files.iter().map(|f| (module_path(&src, f).join("::"), f.clone())).collect();
    // Re-exported items, by module: `gpu::Gpu` is `gpu::device_loss::Gpu`.
    let mut exported: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (name, file) in &modules {
        let me: Vec<String> = if name == "lib" { vec![] } else { name.split("::").map(String::from).collect() };
        for (item, target) in re_exports(&std::fs::read_to_string(file).unwrap()) {
            let full = match target[0].as_str() {
                "crate" => target[1..].to_vec(),
                "super" => [&me[..me.len() - 1], &target[1..]].concat(),
                _ => [&me[..], &target[..]].concat(),
            };
            exported.insert((if me.is_empty() { String::new() } else { me.join("::") }, item), full);
        }
    }
    // The module a path names: its longest prefix that is a module, through re-exports.
    let resolve = |p: &[String]| -> Option<String> {
        let mut p = p.to_vec();
        for _ in 0..8 {
            let k = (0..=p.len()).rev().find(|&k| k == 0 || modules.contains_key(&p[..k].join("::")))?;
            let owner = p[..k].join("::");
            match p.get(k).and_then(|item| exported.get(&(owner.clone(), item.clone()))) {
                Some(target) => p = [target.clone(), p[k + 1..].to_vec()].concat(),
                None => return (k > 0).then_some(owner),
            }
        }
        None
    };
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, file) in &modules {
        let me: Vec<String> = name.split("::").map(String::from).collect();
        let text = std::fs::read_to_string(file).unwrap();
        for p in named_paths(&text, &me) {
            if let Some(m) = resolve(&p) {
                // A module may use its own children, and everything may use the crate root.
                if &m != name && m != "lib" && !m.starts_with(&format!("{name}::")) && name != "lib" {
                    uses.entry(name.clone()).or_default().insert(m);
                }
            }
        }
    }
    assert!(modules.len() > 40 && uses.values().map(BTreeSet::len).sum::<usize>() > 100, "the scan found too little: {uses:?}");
    // Depth-first search for a back edge.
    fn visit(u: &str, uses: &BTreeMap<String, BTreeSet<String>>, state: &mut BTreeMap<String, u8>, stack: &mut Vec<String>) -> Option<Vec<String>> {
        state.insert(u.to_string(), 1);
        stack.push(u.to_string());
        for v in uses.get(u).into_iter().flatten() {
            match state.get(v.as_str()) {
                Some(1) => {
                    let from = stack.iter().position(|s| s == v).unwrap();
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(v.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(v, uses, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(u.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in modules.keys() {
        if !state.contains_key(m.as_str()) {
            if let Some(cycle) = visit(m, &uses, &mut state, &mut Vec::new()) {
                panic!("import cycle in src/: {}", cycle.join(" -> "));
            }
        }
    }
}
