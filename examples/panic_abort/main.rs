fn main() {
    // With panic=abort a panic ends the process at once (no unwinding, no
    // catch_unwind): the bundle's panic runtime is panic_abort.
    println!("panic_abort: strategy {}", strategy::panic_strategy());
}
