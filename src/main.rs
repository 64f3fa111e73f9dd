fn main() {
    annotator::ui::start();
}
