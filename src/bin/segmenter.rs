//! Entry point of the segmentation Web Worker (built by Trunk as a worker).
fn main() {
    annotator::platform::segmenter_worker::run();
}
