//! The `hylint` binary: the allocator, then the command line (`hylint::cli`).

#[global_allocator]
static GLOBAL: hylint::alloc::Mimalloc = hylint::alloc::Mimalloc;

fn main() -> std::process::ExitCode {
    hylint::alloc::tune();
    hylint::cli::run()
}
