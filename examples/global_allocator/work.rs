/// Makes `n` separate heap allocations; returns how many the allocator saw.
#[no_mangle]
pub extern "C" fn allocate_boxes(n: usize) -> usize {
    let before = counting_alloc::allocations();
    let boxes: Vec<Box<usize>> = (0..n).map(Box::new).collect();
    drop(boxes);
    // The boxes, plus the Vec's own buffer.
    counting_alloc::allocations() - before
}
