//! The findings benchmark again, under the global allocator of both binaries (every freed
//! heap block wiped, `zeroizing-alloc`): what wiping costs. Read it against the `findings`
//! bench of the same `make bench` run; docs/security.md quotes the ratio.

#[global_allocator]
static ALLOCATOR: zeroizing_alloc::ZeroAlloc<std::alloc::System> =
    zeroizing_alloc::ZeroAlloc(std::alloc::System);

#[path = "findings.rs"]
mod findings_bench;

fn main() {
    println!("(global allocator: zeroizing-alloc, every freed block wiped)\n");
    findings_bench::main();
}
