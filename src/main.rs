//! The `taawun` binary: parses the command line and runs the command.

mod cli;

fn main() -> anyhow::Result<()> {
    cli::run()
}
