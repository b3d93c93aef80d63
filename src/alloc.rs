//! The allocator the `hylint` binary uses (`main.rs` installs it): mimalloc, called the way its
//! C API is meant to be, and tuned for a run that frees each project as it goes.

/// mimalloc, asked as its C API is meant to be used. The loader allocates and frees many small
/// nodes, which mimalloc does faster than glibc's allocator under rayon
/// (docs/performance-notes.md).
/// The `mimalloc` crate's allocator calls `mi_malloc_aligned` for every allocation, a slower
/// path than `mi_malloc`. On 64-bit targets `mi_malloc` aligns every block of 16
/// bytes or more to 16 (MI_MAX_ALIGN_SIZE; mimalloc's alloc.c asserts it) and smaller ones to
/// 8, so only larger alignments need the aligned calls: the same test std's `System`
/// allocator makes before calling `malloc`.
pub struct Mimalloc;

/// The alignment every `mi_malloc` block has when it is at least this large (MI_MAX_ALIGN_SIZE).
const MI_MAX_ALIGN: usize = 16;

extern "C" {
    fn mi_malloc(size: usize) -> *mut std::ffi::c_void;
    fn mi_zalloc(size: usize) -> *mut std::ffi::c_void;
    fn mi_realloc(p: *mut std::ffi::c_void, size: usize) -> *mut std::ffi::c_void;
}

fn plainly_aligned(layout: std::alloc::Layout) -> bool {
    layout.align() <= MI_MAX_ALIGN && layout.align() <= layout.size()
}

// SAFETY: every pointer comes from mimalloc and goes back to it; plain calls are used only for
// layouts whose alignment mimalloc's blocks always have, the rest go to `mimalloc::MiMalloc`.
unsafe impl std::alloc::GlobalAlloc for Mimalloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if plainly_aligned(layout) {
            mi_malloc(layout.size()) as *mut u8
        } else {
            mimalloc::MiMalloc.alloc(layout)
        }
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if plainly_aligned(layout) {
            mi_zalloc(layout.size()) as *mut u8
        } else {
            mimalloc::MiMalloc.alloc_zeroed(layout)
        }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        mimalloc::MiMalloc.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        let new = std::alloc::Layout::from_size_align_unchecked(new_size, layout.align());
        if plainly_aligned(layout) && plainly_aligned(new) {
            mi_realloc(ptr as *mut std::ffi::c_void, new_size) as *mut u8
        } else {
            mimalloc::MiMalloc.realloc(ptr, layout, new_size)
        }
    }
}

// mimalloc's C API (linked with the allocator); the option numbers are from mimalloc v3's
// mimalloc.h, and a test below checks the one used still means what it says.
extern "C" {
    fn mi_option_set(option: i32, value: std::ffi::c_long);
    #[cfg(test)]
    fn mi_option_get(option: i32) -> std::ffi::c_long;
}
const MI_OPTION_PURGE_DELAY: i32 = 15;

/// Freed memory goes back to the system after 10 ms, not mimalloc's default of a second: a run
/// over a large tree frees each project's trees as it goes, and with the default the peak
/// memory keeps freed pages (docs/performance-notes.md).
pub fn tune() {
    // SAFETY: sets a plain integer option; mimalloc reads options atomically.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 10) }
}

#[cfg(test)]
mod tests {
    /// Option 15 is mimalloc's purge delay: its documented v3 default (1000 ms) unless this
    /// test process already changed it.
    #[test]
    fn purge_delay_option_number() {
        // SAFETY: reads and sets an integer option.
        unsafe {
            assert_eq!(super::mi_option_get(super::MI_OPTION_PURGE_DELAY), 1000);
            super::tune();
            assert_eq!(super::mi_option_get(super::MI_OPTION_PURGE_DELAY), 10);
        }
    }
}
