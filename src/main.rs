//! The `udfald` binary: parse the command line, run, map the outcome to an exit status.

fn main() {
    std::process::exit(udfald::cli::main(std::env::args_os()));
}
