// Benchmark: how fast the page answers a person's actions with many
// annotations on the seed article, or with a second argument on a generated
// document of that many MB with the word view on (annotations spread over it). For 0, 500 and 5,000 imported
// annotations: Enter in the tag popup to the new highlight in the DOM, and
// Ctrl+Z to the highlight gone (median and p95 over the actions), plus
// the JS heap. Prints a table and JSON (also target/bench/actions.json).
// Not a test: machines here are noisy; compare runs, not single figures.
//
//   scripts/build && node tests/e2e/bench-actions.mjs [actions] [document MB]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveDir, launchBrowser, openTab, annotationsFile, numberedParagraphs, jsHeapUsed as heap, ROOT } from './support.mjs';

const ACTIONS = Number(process.argv[2] ?? 20);
const DOCUMENT_MB = process.argv[3] ? Number(process.argv[3]) : null;
const PARAGRAPH = '　　这是一段用来测试大量标注的中文文字，包含标点、数字 2026 和 English words，长度与新闻稿的段落相近。';

const COUNTS = [0, 500, 5000];

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** In the page: times from a key press to the change in the highlights. */
const watchLatency = () => {
  window.__latency = [];
  const count = () => document.querySelectorAll('mark[data-annotation]').length;
  let t0 = 0;
  let before = 0;
  document.addEventListener(
    'keydown',
    (e) => {
      if ((e.key === 'Enter' && document.querySelector('[data-popup="tag"]')) || (e.key === 'z' && e.ctrlKey)) {
        t0 = performance.now();
        before = count();
      }
    },
    true,
  );
  new MutationObserver(() => {
    if (t0 && count() !== before) {
      // To the change in the DOM, and to the frame that shows it (a task
      // queued from the next animation frame runs after its paint).
      const start = t0;
      const entry = { dom: performance.now() - start, frame: null };
      t0 = 0;
      requestAnimationFrame(() =>
        setTimeout(() => {
          entry.frame = performance.now() - start;
          window.__latency.push(entry);
        }),
      );
    }
  }).observe(document.querySelector('article'), { subtree: true, childList: true, attributes: true });
};

const server = await serveDir();
const browser = await launchBrowser();
const rows = [];
for (const n of COUNTS) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openTab(context, server.url);
  let previewMs = null;
  if (DOCUMENT_MB) {
    const before = await page.getAttribute('#app', 'data-document');
    const buffer = Buffer.from(numberedParagraphs('大量标注测试', PARAGRAPH, DOCUMENT_MB * 1_048_576));
    await page.setInputFiles('[data-action="open-document"]', { name: 'bench.txt', mimeType: 'text/plain', buffer });
    await page.waitForFunction((old) => document.querySelector('#app')?.dataset.document !== old, before, { timeout: 120_000 });
    await page.waitForSelector('#app[data-segmentation="ready"]', { timeout: 120_000 });
    await page.click('[data-action="word-view"]');
    await page.waitForSelector('[data-word-view="complete"]', { timeout: 300_000 });
  }
  if (n > 0) {
    const [paragraphs, offsets] = await page.$$eval('[data-kind="paragraph"]', (els) => [
      els.map((e) => e.textContent),
      els.map((e) => Number(e.dataset.offset)),
    ]);
    const buffer = Buffer.from(JSON.stringify(annotationsFile(paragraphs, n, DOCUMENT_MB ? offsets : undefined)));
    const t0 = Date.now();
    await page.setInputFiles('[data-action="import"]', { name: 'bench.json', mimeType: 'application/json', buffer });
    await page.waitForSelector('[data-dialog="import"]', { timeout: 120_000 });
    previewMs = Date.now() - t0;
    await page.click('[data-action="import-merge"]');
    await page.waitForFunction((n) => document.querySelector('.annotations h3 .hint')?.textContent.startsWith(`${n} `), n, { timeout: 120_000 });
    await page.waitForTimeout(1000);
  }
  await page.evaluate(watchLatency);
  const enter = [];
  const undo = [];
  for (let i = 0; i < ACTIONS; i++) {
    await page.keyboard.press('s');
    await page.waitForSelector('[data-keyhint]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-popup="tag"]');
    await page.keyboard.type('新');
    await page.evaluate(() => (window.__latency = []));
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.__latency.length > 0);
    enter.push(await page.evaluate(() => window.__latency[0]));
    await page.evaluate(() => (window.__latency = []));
    await page.keyboard.press('Control+z');
    await page.waitForFunction(() => window.__latency.length > 0);
    undo.push(await page.evaluate(() => window.__latency[0]));
  }
  const marks = await page.$$eval('mark[data-annotation]', (e) => e.length);
  const dom = (xs) => xs.map((x) => x.dom);
  const frame = (xs) => xs.map((x) => x.frame);
  rows.push({
    annotations: n,
    highlights_drawn: marks,
    enter_median_ms: quantile(dom(enter), 0.5),
    enter_p95_ms: quantile(dom(enter), 0.95),
    enter_frame_median_ms: quantile(frame(enter), 0.5),
    enter_frame_p95_ms: quantile(frame(enter), 0.95),
    undo_median_ms: quantile(dom(undo), 0.5),
    undo_p95_ms: quantile(dom(undo), 0.95),
    undo_frame_median_ms: quantile(frame(undo), 0.5),
    undo_frame_p95_ms: quantile(frame(undo), 0.95),
    js_heap_mb: (await heap(page)) / 1e6,
    // From choosing the file to the import preview (every annotation placed).
    import_preview_ms: previewMs,
  });
  await context.close();
}
await browser.close();
await server.close();

const f = (x) => x.toFixed(1);
console.log(`\n${ACTIONS} actions each, ${DOCUMENT_MB ? `a ${DOCUMENT_MB} MB document, word view on` : 'seed article'} (${new Date().toISOString()})\n`);
console.log('| annotations | import: file → preview | highlights drawn | Enter → highlight in DOM, median / p95 | Enter → frame shown | Ctrl+Z → gone in DOM | Ctrl+Z → frame shown | JS heap |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.annotations} | ${r.import_preview_ms === null ? '—' : r.import_preview_ms + ' ms'} | ${r.highlights_drawn} | ${f(r.enter_median_ms)} / ${f(r.enter_p95_ms)} ms | ${f(r.enter_frame_median_ms)} / ${f(r.enter_frame_p95_ms)} ms | ${f(r.undo_median_ms)} / ${f(r.undo_p95_ms)} ms | ${f(r.undo_frame_median_ms)} / ${f(r.undo_frame_p95_ms)} ms | ${f(r.js_heap_mb)} MB |`,
  );
}
const out = join(ROOT, 'target', 'bench');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'actions.json'), JSON.stringify({ actions: ACTIONS, rows }, null, 2));
console.log(JSON.stringify({ actions: ACTIONS, rows }));
