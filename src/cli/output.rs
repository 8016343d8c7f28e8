//! Where results go (`--out FILE.npy|.json|.csv`, or stdout) and how they are written: JSON
//! `{"shape": [...], "data": [...]}`, CSV rows, `.npy` (see [`super::npy`]), and the
//! factorization reports of `sample --report`. Every writer streams the values through a
//! buffered writer, one by one: no text or bytes of a whole result are built in memory.

use super::args::Flags;
use super::values::{join_usize, Data, Values};
use super::{fail, npy, numbers, CliError, CliResult};
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

/// Writes the value at `i` as text (floats through [`numbers::write_float`]).
fn write_value(w: &mut dyn Write, data: &Data, i: usize, json: bool) -> std::io::Result<()> {
    match data {
        Data::F32(v) => numbers::write_float(w, v[i], json),
        Data::F64(v) => numbers::write_float(w, v[i], json),
        Data::Keys(k) => write!(w, "{}", k[i / 2].words()[i % 2]),
        Data::Uint { values, .. } => write!(w, "{}", values[i]),
    }
}

/// `{"shape": [...], "data": [...]}` and a newline.
pub fn write_json(w: &mut dyn Write, values: &Values) -> std::io::Result<()> {
    write!(w, "{{\"shape\": [{}], \"data\": [", join_usize(&values.shape, ", "))?;
    for i in 0..values.data.len() {
        if i > 0 {
            w.write_all(b", ")?;
        }
        write_value(w, &values.data, i, true)?;
    }
    w.write_all(b"]}\n")
}

/// One line per row (the last axis gives the columns; 0-d and 1-d results are one row); nothing
/// at all for a result without values.
pub fn write_csv(w: &mut dyn Write, values: &Values) -> std::io::Result<()> {
    let (shape, data) = (&values.shape, &values.data);
    if data.is_empty() {
        // No values, no rows: a shape such as [4294967296, 4, 0] must not write 2^34 empty lines.
        return Ok(());
    }
    let (rows, cols) = if shape.len() >= 2 {
        let cols = shape[shape.len() - 1];
        (shape[..shape.len() - 1].iter().product::<usize>(), cols)
    } else {
        (1, data.len())
    };
    for r in 0..rows {
        for c in 0..cols {
            if c > 0 {
                w.write_all(b",")?;
            }
            write_value(w, data, r * cols + c, false)?;
        }
        w.write_all(b"\n")?;
    }
    Ok(())
}

static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Records that the process started with its stdout closed (see src/bin/mvn-gpu.rs): what would
/// be printed then fails instead of vanishing into the /dev/null std puts in its place.
pub fn note_closed_stdout() {
    STDOUT_CLOSED.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Writes through a buffered stdout; a closed pipe (`mvn-gpu ... | head`) is not an error.
pub fn to_stdout(f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> CliResult<()> {
    if STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed) {
        return fail("cannot write to stdout: it is closed (give --out FILE, or a stdout to write to)");
    }
    let mut w = std::io::BufWriter::new(std::io::stdout().lock());
    match f(&mut w).and_then(|_| w.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => fail(format!("cannot write to stdout: {e}")),
    }
}

/// Writes `path` through `f` atomically: to a temporary file in the same folder, renamed over
/// `path` only when complete, so a failed or interrupted run leaves the old file (or none), never
/// a partial one.
pub fn write_atomically(path: &str, f: &dyn Fn(&mut dyn Write) -> std::io::Result<()>) -> CliResult<()> {
    let dir = match std::path::Path::new(path).parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| {
        // The temporary file's own name is noise to the user: the message names FILE.
        let e = e.to_string();
        CliError::new(format!("--out: cannot write '{path}': {}", e.split(" at path ").next().unwrap_or(&e)))
    })?;
    let mut w = std::io::BufWriter::new(tmp);
    f(&mut w).and_then(|_| w.flush()).map_err(|e| CliError::new(format!("--out: cannot write '{path}': {e}")))?;
    let tmp = w.into_inner().map_err(|e| CliError::new(format!("--out: cannot write '{path}': {}", e.error())))?;
    tmp.as_file().sync_all().map_err(|e| CliError::new(format!("--out: cannot write '{path}': {e}")))?;
    tmp.persist(path).map(|_| ()).map_err(|e| CliError::new(format!("--out: cannot write '{path}': {}", e.error)))
}

/// Writes `values` where `out` says (a file through [`write_atomically`]).
pub fn emit(out: &Out, values: &Values) -> CliResult<()> {
    match out {
        Out::Stdout => to_stdout(|w| write_json(w, values)),
        Out::Json(p) => write_atomically(p, &|w| write_json(w, values)),
        Out::Csv(p) => write_atomically(p, &|w| write_csv(w, values)),
        Out::Npy(p) => write_atomically(p, &|w| npy::write_npy(w, values)),
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
