//! Entry point of the file-conversion Web Worker (built by Trunk as a worker).
fn main() {
    annotator::platform::converter_worker::run();
}
