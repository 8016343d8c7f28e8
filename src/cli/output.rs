//! Where results go (`--out FILE.npy|.json|.csv`, or stdout) and how they are written: JSON
//! `{"shape": [...], "data": [...]}`, CSV rows, `.npy` (see [`super::npy`]), and the
//! factorization reports of `sample --report`. Every writer streams the values through a
//! buffered writer, one by one: no text or bytes of a whole result are built in memory.

use super::args::Flags;
use super::{fail, numbers, CliResult};
use crate::FactorReport;
use std::io::Write;

/// Where a command writes its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    /// JSON on stdout (no `--out`).
    Stdout,
    /// `--out FILE.npy`.
    Npy(String),
    /// `--out FILE.json`.
    Json(String),
    /// `--out FILE.csv`.
    Csv(String),
}

/// `--out`: the format is the file's extension (any case).
pub fn parse_out(f: &Flags) -> CliResult<Out> {
    let Some(path) = f.get("--out") else { return Ok(Out::Stdout) };
    let ext = std::path::Path::new(path).extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("npy") => Ok(Out::Npy(path.to_string())),
        Some("json") => Ok(Out::Json(path.to_string())),
        Some("csv") => Ok(Out::Csv(path.to_string())),
        _ => fail(format!("--out: '{path}' must end in .npy, .json or .csv")),
    }
}

static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Records that the process started with its stdout closed (see src/bin/mvn-gpu.rs): what would
/// be printed then fails instead of vanishing into the /dev/null std puts in its place.
pub fn note_closed_stdout() {
    STDOUT_CLOSED.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Whether the process started with its stdout closed.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Writes through a buffered stdout; a closed pipe (`mvn-gpu ... | head`) is not an error.
pub fn to_stdout(f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> CliResult<()> {
    if stdout_closed() {
        return fail("cannot write to stdout: it is closed (give --out FILE, or a stdout to write to)");
    }
    let mut w = std::io::BufWriter::new(std::io::stdout().lock());
    match f(&mut w).and_then(|_| w.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => fail(format!("cannot write to stdout: {e}")),
    }
}

/// Writes a line on stderr (a note, a warning, the `--report`): unlike `eprintln!`, a stderr
/// that cannot be written is an error (exit 2), not a panic.
pub fn to_stderr(line: &str) -> CliResult<()> {
    let mut e = std::io::stderr().lock();
    writeln!(e, "{line}").and_then(|_| e.flush()).or_else(|err| fail(format!("cannot write to stderr: {err}")))
}

/// `sample --report`: `{"reports": [...]}`, one object per factored covariance.
pub fn report_json(reports: &[FactorReport]) -> String {
    let items: Vec<String> = reports
        .iter()
        .map(|r| {
            format!(
                "{{\"batch_index\": {}, \"method\": \"{}\", \"method_used\": \"{}\", \"rank\": {}, \"min_eigenvalue\": {}, \"max_eigenvalue\": {}, \"clipped\": {}}}",
                r.batch_index,
                r.method.as_str(),
                r.method_used.as_str(),
                r.rank,
                numbers::json_float(r.min_eigenvalue),
                numbers::json_float(r.max_eigenvalue),
                r.clipped
            )
        })
        .collect();
    format!("{{\"reports\": [{}]}}", items.join(", "))
}
