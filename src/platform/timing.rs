//! Timing marks readable from outside (benchmarks, end-to-end tests) through
//! the standard User Timing API.

/// Records `performance.mark(name)`; silently does nothing where there is no
/// `performance` (native tests, old browsers), since marks are diagnostics.
pub fn mark(name: &str) {
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark(name);
    }
}
