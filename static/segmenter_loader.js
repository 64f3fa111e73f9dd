// The segmentation worker's entry script: Trunk's loader shim plus a queue.
// Requests that arrive before the wasm runs and the dictionary is loaded are
// kept in `pending`; src/platform/segmenter_worker.rs answers them then, so
// the page may send its text as soon as it has made the worker.
"use strict";
self.pending = [];
self.onmessage = (e) => self.pending.push(e);
importScripts("./segmenter.js");
wasm_bindgen("./segmenter_bg.wasm").catch((err) =>
  self.postMessage({ type: "error", id: null, message: "segmenter failed to start: " + err }),
);
