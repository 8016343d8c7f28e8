//! `mvn-gpu`: the command-line front end of the `mvn_gpu` crate (the tool itself is the
//! library module `mvn_gpu::cli`). Run `mvn-gpu --help` for the full usage.

fn main() -> std::process::ExitCode {
    mvn_gpu::cli::main(std::env::args_os().skip(1))
}
