//! Results written a part at a time, in bounded memory: a [`Sink`] is opened for a result of
//! known shape and kind, takes its values in parts (in order), and is finished. The three
//! formats are [`Encoder`]s, so a result written whole and one written in parts give the same
//! bytes. A file is written to a temporary file beside it and renamed over it only when
//! complete; Ctrl-C stops between parts and removes the temporary file (a second Ctrl-C does
//! so at once), so no partial file is ever left.

use super::npy;
use super::output::Out;
use super::values::{join_usize, Data, Values};
use super::{fail, numbers, CliError, CliResult};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// How values are spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `{"shape": [...], "data": [...]}` and a newline.
    Json,
    /// One line per row (the last axis gives the columns; a 0-d or 1-d result is one row).
    Csv,
    /// `.npy` (see [`super::npy`]).
    Npy,
}

/// Writes one result in a [`Format`]: [`Encoder::begin`], then [`Encoder::part`] for each part
/// of the values in order, then [`Encoder::end`].
pub struct Encoder {
    format: Format,
    /// CSV: values per line, and the column the next value goes to.
    cols: usize,
    col: usize,
    /// JSON: whether no value was written yet.
    first: bool,
}

impl Encoder {
    /// An encoder for a result of `shape`.
    pub fn new(format: Format, shape: &[usize]) -> Encoder {
        let cols = if shape.len() >= 2 { shape[shape.len() - 1] } else { shape.iter().product() };
        Encoder { format, cols, col: 0, first: true }
    }

    /// What comes before the values (`descr` is the .npy dtype of the values, see
    /// [`npy::descr`]).
    pub fn begin(&mut self, w: &mut dyn Write, shape: &[usize], descr: &str) -> std::io::Result<()> {
        match self.format {
            Format::Json => write!(w, "{{\"shape\": [{}], \"data\": [", join_usize(shape, ", ")),
            Format::Csv => Ok(()),
            Format::Npy => w.write_all(&npy::header(shape, descr)),
        }
    }

    /// The next values.
    pub fn part(&mut self, w: &mut dyn Write, data: &Data) -> std::io::Result<()> {
        match self.format {
            Format::Npy => npy::write_data(w, data),
            Format::Json => {
                for i in 0..data.len() {
                    if !std::mem::take(&mut self.first) {
                        w.write_all(b", ")?;
                    }
                    write_value(w, data, i, true)?;
                }
                Ok(())
            }
            Format::Csv => {
                for i in 0..data.len() {
                    if self.col > 0 {
                        w.write_all(b",")?;
                    }
                    write_value(w, data, i, false)?;
                    self.col += 1;
                    if self.col == self.cols {
                        w.write_all(b"\n")?;
                        self.col = 0;
                    }
                }
                Ok(())
            }
        }
    }

    /// What comes after the values.
    pub fn end(&mut self, w: &mut dyn Write) -> std::io::Result<()> {
        match self.format {
            Format::Json => w.write_all(b"]}\n"),
            Format::Csv | Format::Npy => Ok(()),
        }
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

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// The temporary file being written, for the second Ctrl-C to remove before exiting.
static TEMP_PATH: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Whether Ctrl-C was pressed (the exit status is then 130, as a shell reports SIGINT).
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Catches Ctrl-C from the first file a run writes on: the first one stops the writer between
/// parts; a second one (a part that takes long) removes the temporary file and exits at once.
fn catch_ctrl_c() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                if let Some(p) = TEMP_PATH.lock().ok().and_then(|mut p| p.take()) {
                    let _ = std::fs::remove_file(p);
                }
                std::process::exit(130);
            }
        });
    });
}

/// The error of a run stopped by Ctrl-C.
fn interrupted_error(target: &str) -> CliError {
    CliError::new(format!("interrupted (Ctrl-C): {target} was not written"))
}

/// Where a sink's bytes go.
enum Target {
    Stdout,
    /// The temporary file beside `path`.
    File { path: String, tmp: tempfile::NamedTempFile },
}

/// A result being written: to stdout (JSON) or atomically to `--out FILE`.
pub struct Sink {
    target: Target,
    w: Box<dyn Write>,
    encoder: Encoder,
    /// stdout was closed by the reader (`| head`): the rest is not written, and that is fine.
    closed: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl Sink {
    /// Opens `out` for a result of `shape` whose values have the .npy dtype `descr`, and writes
    /// what comes before the values. `progress`: the number of rows, for a progress bar on
    /// stderr when it is a terminal (none otherwise).
    pub fn open(out: &Out, shape: &[usize], descr: &str, progress: Option<u64>) -> CliResult<Sink> {
        let (target, w, format): (Target, Box<dyn Write>, Format) = match out {
            Out::Stdout => {
                if super::output::stdout_closed() {
                    return fail("cannot write to stdout: it is closed (give --out FILE, or a stdout to write to)");
                }
                (Target::Stdout, Box::new(std::io::BufWriter::new(std::io::stdout())), Format::Json)
            }
            Out::Json(p) | Out::Csv(p) | Out::Npy(p) => {
                let format = match out {
                    Out::Json(_) => Format::Json,
                    Out::Csv(_) => Format::Csv,
                    _ => Format::Npy,
                };
                let (tmp, file) = begin_file(p)?;
                (Target::File { path: p.clone(), tmp }, Box::new(std::io::BufWriter::with_capacity(1 << 20, file)), format)
            }
        };
        let bar = progress.filter(|_| std::io::stderr().is_terminal()).map(|rows| {
            let bar = indicatif::ProgressBar::with_draw_target(Some(rows), indicatif::ProgressDrawTarget::stderr());
            if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {human_pos}/{human_len} rows, {elapsed} elapsed, {eta} left") {
                bar.set_style(style);
            }
            bar
        });
        let mut sink = Sink { target, w, encoder: Encoder::new(format, shape), closed: false, bar };
        let r = sink.encoder.begin(&mut sink.w, shape, descr);
        sink.check(r)?;
        Ok(sink)
    }

    /// What the messages call the output.
    fn name(&self) -> String {
        match &self.target {
            Target::Stdout => "stdout".into(),
            Target::File { path, .. } => format!("'{path}'"),
        }
    }

    /// A write's result: a closed stdout ends the output quietly; any other error is one.
    fn check(&mut self, r: std::io::Result<()>) -> CliResult<()> {
        match (r, &self.target) {
            (Ok(()), _) => Ok(()),
            (Err(e), Target::Stdout) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            (Err(e), Target::Stdout) => fail(format!("cannot write to stdout: {e}")),
            (Err(e), Target::File { path, .. }) => Err(write_error(path, &e)),
        }
    }

    /// Fails if Ctrl-C was pressed (a file is then not written: the temporary one goes when
    /// the sink is dropped).
    pub fn check_interrupt(&self) -> CliResult<()> {
        if interrupted() {
            if let Some(bar) = &self.bar {
                bar.abandon();
            }
            return Err(interrupted_error(&self.name()));
        }
        Ok(())
    }

    /// Writes the next values (`rows` of them, for the progress bar).
    pub fn part(&mut self, data: &Data, rows: u64) -> CliResult<()> {
        self.check_interrupt()?;
        if !self.closed {
            let r = self.encoder.part(&mut self.w, data);
            self.check(r)?;
        }
        if let Some(bar) = &self.bar {
            bar.inc(rows);
        }
        Ok(())
    }

    /// Writes what comes after the values and, for a file, renames it over `--out`.
    pub fn finish(mut self) -> CliResult<()> {
        self.check_interrupt()?;
        if !self.closed {
            let r = self.encoder.end(&mut self.w).and_then(|_| self.w.flush());
            self.check(r)?;
        }
        let Sink { target, w, bar, .. } = self;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        drop(w);
        match target {
            Target::File { path, tmp } => commit_file(&path, tmp),
            Target::Stdout => Ok(()),
        }
    }
}

/// The error for `--out FILE` that cannot be written.
fn write_error(path: &str, e: &dyn std::fmt::Display) -> CliError {
    // A temporary file's own name is noise to the user: the message names FILE.
    let e = e.to_string();
    CliError::new(format!("--out: cannot write '{path}': {}", e.split(" at path ").next().unwrap_or(&e)))
}

/// Starts writing `path`: a temporary file beside it (a rename within a folder is atomic) that
/// Ctrl-C removes, and a handle to write it through.
fn begin_file(path: &str) -> CliResult<(tempfile::NamedTempFile, std::fs::File)> {
    // The handler first: a Ctrl-C once the temporary file exists must find it.
    catch_ctrl_c();
    let tmp = temp_beside(path)?;
    *TEMP_PATH.lock().unwrap_or_else(|e| e.into_inner()) = Some(tmp.path().to_path_buf());
    let file = tmp.reopen().map_err(|e| write_error(path, &e))?;
    Ok((tmp, file))
}

/// Completes [`begin_file`]: the temporary file synced and renamed over `path` (unless Ctrl-C
/// came first).
fn commit_file(path: &str, tmp: tempfile::NamedTempFile) -> CliResult<()> {
    let done = (|| {
        tmp.as_file().sync_all().map_err(|e| write_error(path, &e))?;
        if interrupted() {
            return Err(interrupted_error(&format!("'{path}'")));
        }
        // Past this point Ctrl-C has nothing to remove: the file is complete.
        tmp.persist(path).map(|_| ()).map_err(|e| write_error(path, &e.error))
    })();
    *TEMP_PATH.lock().unwrap_or_else(|e| e.into_inner()) = None;
    done
}

/// A temporary file in `path`'s folder.
fn temp_beside(path: &str) -> CliResult<tempfile::NamedTempFile> {
    let dir = match std::path::Path::new(path).parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut b = tempfile::Builder::new();
    b.prefix(".mvn-gpu-").suffix(".part");
    // The mode a new file gets (0666 less the umask), not tempfile's private 0600.
    #[cfg(unix)]
    b.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    b.tempfile_in(&dir).map_err(|e| write_error(path, &e))
}

/// Writes a whole result of `shape` to `out` (one part).
pub fn write_whole(out: &Out, shape: &[usize], data: &Data) -> CliResult<()> {
    let mut sink = Sink::open(out, shape, npy::descr(data), None)?;
    sink.part(data, 0)?;
    sink.finish()
}

/// Writes a result of `shape` (values of .npy dtype `descr`) to `out` a part at a time: `draw`
/// gives the values of each range of the `units` (rows, or values), `step` units per part.
pub fn write_parts(out: &Out, shape: &[usize], descr: &str, units: usize, step: usize, mut draw: impl FnMut(std::ops::Range<usize>) -> CliResult<Data>) -> CliResult<()> {
    let mut sink = Sink::open(out, shape, descr, (units.div_ceil(step.max(1)) > 1).then_some(units as u64))?;
    for u0 in (0..units).step_by(step.max(1)) {
        sink.check_interrupt()?;
        let u1 = (u0 + step).min(units);
        sink.part(&draw(u0..u1)?, (u1 - u0) as u64)?;
    }
    sink.finish()
}

/// Writes `bytes` as they are to `out` (stdout, or atomically to the file).
pub fn write_bytes(out: &Out, bytes: &[u8]) -> CliResult<()> {
    let target = match out {
        Out::Stdout => return super::output::to_stdout(|w| w.write_all(bytes)),
        Out::Json(p) | Out::Csv(p) | Out::Npy(p) => p,
    };
    let (tmp, mut f) = begin_file(target)?;
    f.write_all(bytes).map_err(|e| write_error(target, &e))?;
    commit_file(target, tmp)
}

/// `{"shape": [...], "data": [...]}` and a newline.
pub fn write_json(w: &mut dyn Write, values: &Values) -> std::io::Result<()> {
    write_encoded(Format::Json, w, values)
}

/// One line per row (the last axis gives the columns; 0-d and 1-d results are one row); nothing
/// at all for a result without values (a shape such as [4294967296, 4, 0] writes no empty lines).
pub fn write_csv(w: &mut dyn Write, values: &Values) -> std::io::Result<()> {
    write_encoded(Format::Csv, w, values)
}

fn write_encoded(format: Format, w: &mut dyn Write, values: &Values) -> std::io::Result<()> {
    let mut e = Encoder::new(format, &values.shape);
    e.begin(w, &values.shape, npy::descr(&values.data))?;
    e.part(w, &values.data)?;
    e.end(w)
}

/// Writes `values` where `out` says (a file atomically).
pub fn emit(out: &Out, values: &Values) -> CliResult<()> {
    write_whole(out, &values.shape, &values.data)
}

