# Shared by the scripts: paths and the wasm toolchain. Source it, don't run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

# Versions pinned by the project.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/"/, "", $3); print $3; exit}' "$ROOT/Cargo.lock" 2>/dev/null)"
WASM_BINDGEN_VERSION="${WASM_BINDGEN_VERSION:-0.2.130}"
DEBIAN_WASM_PACKAGES=(rustc-web cargo-web rust-web-src lld-22 clang-22 llvm-22)
BROWSER_PACKAGES=(chromium chromium-driver fonts-noto-cjk)

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# A rustup toolchain with the wasm32 std (a developer's laptop) needs nothing else.
has_rustup_wasm() {
  command -v rustup >/dev/null 2>&1 &&
    rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown
}

# Puts the wasm toolchain in the environment: rustup's when it has wasm32,
# otherwise Debian's rustc-web building std from source (see
# ../shared/notes/toolchain.md). Call before trunk or `cargo --target wasm32`.
use_wasm_toolchain() {
  if has_rustup_wasm; then
    return
  fi
  export PATH="/usr/bin:$PATH"
  export RUSTC_BOOTSTRAP=1
  export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
  export CC_wasm32_unknown_unknown=clang-22
  export AR_wasm32_unknown_unknown=llvm-ar-22
}
