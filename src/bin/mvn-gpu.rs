//! `mvn-gpu`: the command-line front end of the `mvn_gpu` crate (the tool itself is the
//! library module `mvn_gpu::cli`). Run `mvn-gpu --help` for the full usage.

fn main() -> std::process::ExitCode {
    mvn_gpu::cli::main(std::env::args_os().skip(1))
}

/// A stdout closed by the caller (`mvn-gpu key 1 >&-`) is reopened to /dev/null by std's
/// start-up, which would turn every write into a silent success: this constructor, which runs
/// before std's start-up, notes it first (`fcntl(F_GETFD)` fails only on a closed descriptor).
#[cfg(any(target_os = "linux", target_os = "macos"))]
#[used]
#[cfg_attr(target_os = "linux", link_section = ".init_array")]
#[cfg_attr(target_os = "macos", link_section = "__DATA,__mod_init_func")]
static NOTE_CLOSED_STDOUT: extern "C" fn() = {
    extern "C" fn note() {
        extern "C" {
            fn fcntl(fd: i32, cmd: i32, ...) -> i32;
        }
        const F_GETFD: i32 = 1;
        // SAFETY: fcntl(F_GETFD) on a descriptor number only reads the descriptor table.
        if unsafe { fcntl(1, F_GETFD) } == -1 {
            mvn_gpu::cli::output::note_closed_stdout();
        }
    }
    note
};
