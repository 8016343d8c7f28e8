//! The `mvn-gpu` command-line tool as a library (feature `cli`): the binary
//! `src/bin/mvn-gpu.rs` is [`main`], and the fuzz targets in `fuzz/` call the same functions.
//!
//! MLX-compatible keys, `split`, `bits`, `normal`, `uniform` and `multivariate_normal`, run on
//! the GPU (wgpu) or the CPU, reading inputs as inline JSON, JSON files or `.npy` files and
//! writing JSON, `.npy` or `.csv`. Run `mvn-gpu --help` for the full usage.
//!
//! - [`help`]: the help texts.
//! - [`args`]: flags (through `lexopt`) and the values of seeds, shapes, widths, dtypes, backends.
//! - [`keys`]: the value of `--key`: inline words, or `@FILE` as `key` and `split` write it.
//! - [`input`]: array arguments: inline JSON, `@FILE.json`, `@FILE.npy`.
//! - [`file`]: `@FILE`: reading it, `.npy` or text.
//! - [`json`]: JSON input text (byte-order mark, repeated keys) and the arrays it holds.
//! - [`npy`]: the `.npy` format, read and written.
//! - [`numbers`]: the text of floats.
//! - [`output`]: where results go (`--out`, stdout, stderr) and the whole-result writers.
//! - [`stream`]: results written a part at a time, atomically, in the three formats.
//! - [`dist`]: the distribution flags of `sample` and `log-prob` (`--cov`, `--scale-tril`,
//!   `--precision`, `--diag`, `--cov-factor` with `--cov-diag`).
//! - [`commands`]: each command as its argument parser and its run.
//!
//! Only the crate's public API is used here, and its fallible allocation (`crate::alloc`) for
//! what an input file's size decides.

pub mod args;
pub mod commands;
pub mod dist;
pub mod file;
pub mod help;
pub mod input;
pub mod json;
pub mod keys;
pub mod npy;
pub mod numbers;
pub mod output;
pub mod stream;
pub mod values;

use commands::Command;
use std::ffi::OsString;
use std::process::ExitCode;

/// A user-facing error: printed as `error: <message>`, exit status 2.
#[derive(Debug, Clone, PartialEq)]
pub struct CliError(String);

impl CliError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        CliError(message.into())
    }

    /// The message (printed after `error: `).
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CliError {}

impl From<crate::Error> for CliError {
    fn from(e: crate::Error) -> Self {
        CliError(format!("{} ({})", e, e.code()))
    }
}

/// The result of the CLI's functions.
pub type CliResult<T> = Result<T, CliError>;

/// `Err` with this message.
pub fn fail<T>(msg: impl Into<String>) -> CliResult<T> {
    Err(CliError::new(msg))
}

/// A library error raised while interpreting the value of `flag`.
pub fn flag_err(flag: &str, e: crate::Error) -> CliError {
    CliError(format!("{flag}: {} ({})", e, e.code()))
}

/// Runs `mvn-gpu` with `args` (without the program name): exit status 0 on success, 2 on any
/// error (130 when Ctrl-C stopped it), after printing `error: <message>` on stderr.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let mut strings = Vec::new();
    for a in args {
        match a.into_string() {
            Ok(s) => strings.push(s),
            Err(a) => {
                let _ = output::to_stderr(&format!("error: argument {a:?} is not valid UTF-8"));
                return ExitCode::from(2);
            }
        }
    }
    match run(&strings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // If even stderr fails, the exit status still tells.
            let _ = output::to_stderr(&format!("error: {e}"));
            // Ctrl-C gives the status a shell gives SIGINT.
            ExitCode::from(if stream::interrupted() { 130 } else { 2 })
        }
    }
}

/// What an argument vector asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action<'a> {
    /// Print this help text.
    Help(&'static str),
    /// Print the version.
    Version,
    /// Run a command with the arguments after its name.
    Run(Command, &'a [String]),
}

/// Reads the command (or `--help`, `--version`, `help [COMMAND]`) from the first argument; a
/// `-h` or `--help` anywhere after a command asks for that command's help.
pub fn action(args: &[String]) -> CliResult<Action<'_>> {
    let Some(cmd) = args.first() else {
        return fail(format!("no command given; expected one of {} (see `mvn-gpu --help`)", Command::NAMES));
    };
    let rest = &args[1..];
    match cmd.as_str() {
        "-h" | "--help" => Ok(Action::Help(help::HELP)),
        "-V" | "--version" => Ok(Action::Version),
        "help" => match rest.first().map(String::as_str) {
            None => Ok(Action::Help(help::HELP)),
            Some(c) => match Command::from_name(c) {
                Some(command) => Ok(Action::Help(command.help())),
                None => fail(format!("help: unknown command '{c}'; expected one of {}", Command::NAMES)),
            },
        },
        c => {
            let Some(command) = Command::from_name(c) else {
                if c.starts_with('-') {
                    return fail(format!("unknown flag '{c}' before the command; expected a command ({}), --help or --version", Command::NAMES));
                }
                return fail(format!("unknown command '{c}'; expected one of {} (see `mvn-gpu --help`)", Command::NAMES));
            };
            if rest.iter().any(|a| a == "-h" || a == "--help") {
                return Ok(Action::Help(command.help()));
            }
            Ok(Action::Run(command, rest))
        }
    }
}

/// Runs `mvn-gpu` with `args` (without the program name), printing what it prints.
pub fn run(args: &[String]) -> CliResult<()> {
    match action(args)? {
        Action::Help(text) => print_text(text),
        Action::Version => print_text(&help::version()),
        Action::Run(command, rest) => command.run(rest),
    }
}

/// Writes `text` on stdout; a closed pipe (`mvn-gpu --help | head`) is not an error.
pub fn print_text(text: &str) -> CliResult<()> {
    output::to_stdout(|w| w.write_all(text.as_bytes()))
}
