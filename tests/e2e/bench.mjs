// Benchmark: the release build against jieba-wasm 2.4.0 (npm), in the same
// headless Chromium run, alternating, several rounds; prints a table and
// JSON (also written to target/bench/bench.json). Ratios from the same run
// matter more than absolute times on a noisy machine.
//
//   node tests/e2e/bench.mjs [rounds]
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDir, launchBrowser, jsHeapUsed as heap, DIST, ROOT } from './support.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const JIEBA_WASM = join(HERE, 'node_modules', 'jieba-wasm', 'pkg', 'web');
const ROUNDS = Number(process.argv[2] ?? 5);
const seed = readFileSync(join(ROOT, 'seeds', '000_dd504da93b3e7f9a.txt'), 'utf8');
const big = Array(50).fill(seed).join('\n\n');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sizes = (dir, pick) =>
  readdirSync(dir)
    .filter(pick)
    .map((f) => {
      const bytes = readFileSync(join(dir, f));
      return { file: f, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    });

/** Resolves (in the page) to the first contentful paint, once there is one. */
const firstContentfulPaint = () =>
  new Promise((ok) =>
    new PerformanceObserver((list) => {
      const fcp = list.getEntries().find((e) => e.name === 'first-contentful-paint');
      if (fcp) ok(fcp.startTime);
    }).observe({ type: 'paint', buffered: true }),
  );

/** Where a visit's time went, from the page's marks (segmenter-* come from
 * the worker's ready message, placed on the page's clock). */
const visitMarks = () => {
  const at = (name) => performance.getEntriesByName(name)[0]?.startTime;
  return {
    appReady: at('app-ready'),
    ready: at('segmentation-ready'),
    workerCreated: at('segmenter-created'),
    wasmFetchStart: at('segmenter-wasm-fetch-start'),
    wasmFetched: at('segmenter-wasm-fetched'),
    workerMain: at('segmenter-main'),
    dictionaryLoaded: at('segmenter-dictionary-loaded'),
    readyReceived: at('segmenter-ready-received'),
    dictionaryMs: Number(document.getElementById('app').dataset.dictionaryMs),
    segmentMs: Number(document.getElementById('app').dataset.segmentMs),
  };
};

async function ourApp(browser, url) {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForSelector('#app[data-segmentation="ready"]', { timeout: 60_000 });
  // The first paint with text is the article: the static copy index.html
  // carries, shown before the wasm has loaded.
  const visible = await page.evaluate(firstContentfulPaint);
  const marks = await page.evaluate(visitMarks);
  // A second visit in the same profile: files revalidated (304), the
  // compiled wasm from the browser's code cache.
  await page.goto('about:blank');
  await page.goto(url);
  await page.waitForSelector('#app[data-segmentation="ready"]', { timeout: 60_000 });
  const second = await page.evaluate(visitMarks);
  const appHeap = await heap(page);
  // The big text through the same worker the app uses, from a fresh worker.
  const worker = await page.evaluate(async (text) => {
    const w = new Worker('/segmenter_loader.js');
    const t0 = performance.now();
    const idleInitMs = await new Promise((ok) => (w.onmessage = (e) => e.data.type === 'ready' && ok(e.data.initMs)));
    const dictionaryMs = performance.now() - t0;
    // One block per non-blank line, as code point ranges (the page sends
    // its article's blocks).
    const ranges = [];
    let cp = 0;
    for (const line of text.split('\n')) {
      const n = [...line].length;
      if (line.trim()) ranges.push(cp, cp + n);
      cp += n + 1;
    }
    const t1 = performance.now();
    const reply = await new Promise((ok) => {
      w.onmessage = (e) => ok(e.data);
      w.postMessage({ id: 1, text, dict: '{}', blocks: new Uint32Array(ranges) });
    });
    const roundTripMs = performance.now() - t1;
    if (!reply.tokens) throw new Error('worker replied ' + JSON.stringify(reply));
    const tokens = reply.tokens.length / 3;
    w.terminate();
    return { dictionaryMs, idleInitMs, roundTripMs, insideMs: reply.segmentMs, tokens, memoryBytes: reply.memoryBytes };
  }, big);
  await page.close();
  return { visible, ...marks, second, appHeap, worker };
}

/** The floor for "article visible": the same HTML and CSS with no scripts. */
async function staticFloor(browser, url) {
  const page = await browser.newPage();
  await page.goto(url + 'floor/', { waitUntil: 'load' });
  const visible = await page.evaluate(firstContentfulPaint);
  await page.close();
  return { visible };
}

async function jiebaWasm(browser, url) {
  const page = await browser.newPage();
  const init = async () => {
    const t0 = performance.now();
    const mod = await import('/jieba-wasm/jieba_rs_wasm.js');
    const exports = await mod.default({ module_or_path: '/jieba-wasm/jieba_rs_wasm_bg.wasm' });
    mod.cut('初始化', true); // the dictionary loads on the first cut
    // From navigation, as the app's segmentation-ready mark is.
    return { initMs: performance.now() - t0, fromNavigationMs: performance.now(), mod, exports };
  };
  await page.goto(url + 'bench/index.html');
  const r = await page.evaluate(
    async ({ seed, big, init }) => {
      const { initMs, fromNavigationMs, mod, exports } = await eval(init)();
      const t1 = performance.now();
      const article = mod.cut(seed, true);
      const articleMs = performance.now() - t1;
      const t2 = performance.now();
      const words = mod.cut(big, true);
      const bigMs = performance.now() - t2;
      window.__keep = [article, words];
      return { initMs, fromNavigationMs, articleMs, bigMs, tokens: words.length, memoryBytes: exports.memory.buffer.byteLength };
    },
    { seed, big, init: `(${init})` },
  );
  r.heap = await heap(page);
  await page.goto('about:blank');
  await page.goto(url + 'bench/index.html');
  r.second = await page.evaluate(async (init) => {
    const { initMs, fromNavigationMs } = await eval(init)();
    return { initMs, fromNavigationMs };
  }, `(${init})`);
  await page.close();
  return r;
}

// dist/index.html without its scripts (so no worker either) and preloads
// (the CSS stays in dist/).
const FLOOR = join(ROOT, 'target', 'bench', 'floor');
mkdirSync(FLOOR, { recursive: true });
writeFileSync(
  join(FLOOR, 'index.html'),
  readFileSync(join(DIST, 'index.html'), 'utf8')
    .replace(/<script[^>]*>[\s\S]*?<\/script>/g, '')
    .replace(/<link rel="(modulepreload|preload)"[^>]*>/g, ''),
);

const server = await serveDir(DIST, { '/jieba-wasm/': JIEBA_WASM, '/bench/': join(HERE, 'bench'), '/floor/': FLOOR });
const browser = await launchBrowser();
const ours = [];
const theirs = [];
const floor = [];
try {
  for (let i = 0; i < ROUNDS; i++) {
    ours.push(await ourApp(browser, server.url));
    floor.push(await staticFloor(browser, server.url));
    theirs.push(await jiebaWasm(browser, server.url));
  }
} finally {
  await browser.close();
  await server.close();
}

const bigKB = Buffer.byteLength(big) / 1024;
const m = (xs, f) => median(xs.map(f));
const ourWasm = sizes(DIST, (f) => f.endsWith('.wasm'));
const theirWasm = sizes(JIEBA_WASM, (f) => f.endsWith('.wasm'));
const workerWasm = ourWasm.find((w) => w.file.startsWith('segmenter'));
const appWasm = ourWasm.find((w) => !w.file.startsWith('segmenter'));
const result = {
  rounds: ROUNDS,
  text: { articleBytes: Buffer.byteLength(seed), bigBytes: Buffer.byteLength(big) },
  ours: {
    articleVisibleMs: m(ours, (o) => o.visible),
    appReadyMs: m(ours, (o) => o.appReady),
    segmentationReadyMs: m(ours, (o) => o.ready),
    secondVisitReadyMs: m(ours, (o) => o.second.ready),
    dictionaryMs: m(ours, (o) => o.dictionaryMs),
    freshWorkerReadyMs: m(ours, (o) => o.worker.dictionaryMs),
    idleDictionaryMs: m(ours, (o) => o.worker.idleInitMs),
    // First visit, from navigation: where the segmenter's start-up went.
    startUp: Object.fromEntries(
      ['first', 'second'].map((visit) => {
        const v = (o) => (visit === 'first' ? o : o.second);
        return [
          visit,
          {
            workerCreatedMs: m(ours, (o) => v(o).workerCreated),
            wasmFetchStartMs: m(ours, (o) => v(o).wasmFetchStart),
            wasmFetchedMs: m(ours, (o) => v(o).wasmFetched),
            workerMainMs: m(ours, (o) => v(o).workerMain),
            dictionaryLoadedMs: m(ours, (o) => v(o).dictionaryLoaded),
            readyReceivedMs: m(ours, (o) => v(o).readyReceived),
            appReadyMs: m(ours, (o) => v(o).appReady),
            segmentationReadyMs: m(ours, (o) => v(o).ready),
          },
        ];
      }),
    ),
    segmentArticleMs: m(ours, (o) => o.segmentMs),
    bigRoundTripMs: m(ours, (o) => o.worker.roundTripMs),
    bigInsideWorkerMs: m(ours, (o) => o.worker.insideMs),
    throughputMBps: bigKB / 1024 / (m(ours, (o) => o.worker.roundTripMs) / 1000),
    bigTokens: ours[0].worker.tokens,
    wasm: { app: appWasm, worker: workerWasm },
    pageJsHeapBytes: m(ours, (o) => o.appHeap),
    workerWasmMemoryBytes: m(ours, (o) => o.worker.memoryBytes),
  },
  staticHtml: { articleVisibleMs: m(floor, (s) => s.visible) },
  jiebaWasm: {
    initMs: m(theirs, (t) => t.initMs),
    readyFromNavigationMs: m(theirs, (t) => t.fromNavigationMs),
    secondVisitInitMs: m(theirs, (t) => t.second.initMs),
    secondVisitReadyFromNavigationMs: m(theirs, (t) => t.second.fromNavigationMs),
    segmentArticleMs: m(theirs, (t) => t.articleMs),
    bigMs: m(theirs, (t) => t.bigMs),
    throughputMBps: bigKB / 1024 / (m(theirs, (t) => t.bigMs) / 1000),
    bigTokens: theirs[0].tokens,
    wasm: theirWasm[0],
    pageJsHeapBytes: m(theirs, (t) => t.heap),
    wasmMemoryBytes: m(theirs, (t) => t.memoryBytes),
  },
};
const r = result;
r.ratios = {
  articleVisibleVsStaticHtml: r.ours.articleVisibleMs / r.staticHtml.articleVisibleMs,
  segmentationReadyVsJiebaInit: r.ours.segmentationReadyMs / r.jiebaWasm.initMs,
  secondVisitReadyVsJiebaInit: r.ours.secondVisitReadyMs / r.jiebaWasm.secondVisitInitMs,
  dictionaryVsJiebaInit: r.ours.dictionaryMs / r.jiebaWasm.initMs,
  throughput: r.ours.throughputMBps / r.jiebaWasm.throughputMBps,
  workerWasmGzipVsJiebaWasmGzip: r.ours.wasm.worker.gzip / r.jiebaWasm.wasm.gzip,
};
r.targets = {
  articleVisibleUnder150ms: r.ours.articleVisibleMs < 150,
  readyUnderHalfOfJiebaInit: r.ratios.segmentationReadyVsJiebaInit < 0.5,
  dictionaryLoadUnder10ms: r.ours.idleDictionaryMs < 10,
  throughputAtLeast10x: r.ratios.throughput >= 10,
  workerWasmGzipAtMost1_95MB: r.ours.wasm.worker.gzip <= 1_950_000,
};

const f = (x, d = 1) => (typeof x === 'number' ? x.toFixed(d) : String(x));
const MB = (b) => (b / 1_000_000).toFixed(2) + ' MB';
const rows = [
  ['measure (median of ' + ROUNDS + ')', 'this app', 'reference (jieba-wasm 2.4.0 unless stated)', 'ratio'],
  ['navigation → article visible (first contentful paint)', f(r.ours.articleVisibleMs) + ' ms', f(r.staticHtml.articleVisibleMs) + ' ms (same page as static HTML, no scripts)', f(r.ratios.articleVisibleVsStaticHtml, 2)],
  ['navigation → app interactive', f(r.ours.appReadyMs) + ' ms', '—', ''],
  ['navigation → segmentation ready, first visit', f(r.ours.segmentationReadyMs) + ' ms', f(r.jiebaWasm.initMs) + ' ms (init)', f(r.ratios.segmentationReadyVsJiebaInit, 2)],
  ['navigation → segmentation ready, second visit', f(r.ours.secondVisitReadyMs) + ' ms', f(r.jiebaWasm.secondVisitInitMs) + ' ms (init, second visit)', f(r.ratios.secondVisitReadyVsJiebaInit, 2)],
  ['dictionary load in the worker, during page start-up', f(r.ours.dictionaryMs) + ' ms', f(r.jiebaWasm.initMs) + ' ms (init)', f(r.ratios.dictionaryVsJiebaInit, 3)],
  ['dictionary load in the worker, page idle', f(r.ours.idleDictionaryMs) + ' ms', '—', ''],
  ['jieba-wasm: navigation → ready (init after page load)', '', f(r.jiebaWasm.readyFromNavigationMs) + ' ms / ' + f(r.jiebaWasm.secondVisitReadyFromNavigationMs) + ' ms (first / second visit)', ''],
  ['new worker → ready (files cached)', f(r.ours.freshWorkerReadyMs) + ' ms', '—', ''],
  ['segment the article (18 KB)', f(r.ours.segmentArticleMs) + ' ms', f(r.jiebaWasm.segmentArticleMs) + ' ms', f(r.jiebaWasm.segmentArticleMs / r.ours.segmentArticleMs, 1) + '× faster'],
  [`segment 50× article (${f(bigKB / 1024, 2)} MB)`, f(r.ours.bigRoundTripMs) + ' ms', f(r.jiebaWasm.bigMs) + ' ms', ''],
  ['throughput', f(r.ours.throughputMBps, 2) + ' MB/s', f(r.jiebaWasm.throughputMBps, 2) + ' MB/s', f(r.ratios.throughput, 1) + '×'],
  ['wasm (segmenter) raw / gzip', `${MB(r.ours.wasm.worker.raw)} / ${MB(r.ours.wasm.worker.gzip)}`, `${MB(r.jiebaWasm.wasm.raw)} / ${MB(r.jiebaWasm.wasm.gzip)}`, f(r.ratios.workerWasmGzipVsJiebaWasmGzip, 2)],
  ['wasm (app, no dictionary) raw / gzip', `${MB(r.ours.wasm.app.raw)} / ${MB(r.ours.wasm.app.gzip)}`, '—', ''],
  ['page JS heap after segmenting', MB(r.ours.pageJsHeapBytes), MB(r.jiebaWasm.pageJsHeapBytes), ''],
  ['wasm linear memory', MB(r.ours.workerWasmMemoryBytes), MB(r.jiebaWasm.wasmMemoryBytes), ''],
];
const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => [...row[i]].length)));
for (const row of rows) console.log(row.map((c, i) => c + ' '.repeat(widths[i] - [...c].length)).join(' | '));
console.log('');
const phases = (v) => [
  ['navigation → worker created', v.workerCreatedMs],
  ['worker created → wasm fetch start', v.wasmFetchStartMs - v.workerCreatedMs],
  ['wasm fetch (compiled while streaming)', v.wasmFetchedMs - v.wasmFetchStartMs],
  ['fetched → compiled, instantiated, running', v.workerMainMs - v.wasmFetchedMs],
  ['dictionary load', v.dictionaryLoadedMs - v.workerMainMs],
  ['ready message → page', v.readyReceivedMs - v.dictionaryLoadedMs],
  ['(page) navigation → app interactive', v.appReadyMs],
  ['later of both → article segmented', v.segmentationReadyMs - Math.max(v.readyReceivedMs, v.appReadyMs)],
];
const first = phases(r.ours.startUp.first);
const second = phases(r.ours.startUp.second);
const breakdown = [['segmenter start-up (median ms)', 'first visit', 'second visit'], ...first.map(([name, ms], i) => [name, f(ms), f(second[i][1])])];
const bw = breakdown[0].map((_, i) => Math.max(...breakdown.map((row) => [...row[i]].length)));
for (const row of breakdown) console.log(row.map((c, i) => c + ' '.repeat(bw[i] - [...c].length)).join(' | '));
console.log('targets:', JSON.stringify(r.targets));
mkdirSync(join(ROOT, 'target', 'bench'), { recursive: true });
writeFileSync(join(ROOT, 'target', 'bench', 'bench.json'), JSON.stringify(r, null, 2));
console.log(JSON.stringify(r));
