// Benchmark: how the page answers a person with long documents and many
// annotations. In one run it opens the seed article and a generated 1 MB
// text (6,441 paragraphs) and, for 0, 500 and 5,000 imported annotations
// (each at its position, spread over the text):
//   - the import: file chosen → preview, and merge → every highlight drawn;
//   - Enter in the tag popup → the new highlight, Ctrl+Z → gone, Ctrl+Y →
//     back: to the DOM change and to the frame that shows it (median, p95);
//   - the sidebar: a tag filter clicked, a search letter typed → the list;
//   - scrolling the whole document a step per frame, word view off and on:
//     frame intervals (median, p95, frames over 50 ms);
//   - JS heap and wasm memory, and after 200 more actions at 5,000.
// On the 1 MB text it also times the text visible and segmented after
// choosing the file, and imports 2,000 long quotes that occur nowhere (the
// longest task while they are searched for, and all kept as orphans).
// Prints tables and JSON (also target/bench/actions.json). Not a test:
// machines here are noisy; compare runs, not single figures.
//
//   scripts/build && node tests/e2e/bench-actions.mjs [actions]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveDir, launchBrowser, openTab, annotationsFile, missingQuotesFile, numberedParagraphs, jsHeapUsed, ROOT } from './support.mjs';

const ACTIONS = Number(process.argv[2] ?? 20);
const PARAGRAPH = '　　这是一段用来测试大量标注的中文文字，包含标点、数字 2026 和 English words，长度与新闻稿的段落相近。';
const COUNTS = [0, 500, 5000];
const LONG_ORPHANS = 2000;
const SCROLL_STEP_PX = 600;

const quantile = (xs, q) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : null;
};

/** In the page: times from a key press or click to the change it makes. */
function installProbes() {
  window.__latency = [];
  window.__longTasks = [];
  new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
  const count = () => document.querySelectorAll('mark[data-annotation]').length;
  let t0 = 0;
  let before = 0;
  // Starts a measurement; `changed` says when the DOM shows the result.
  window.__start = (changed) => {
    t0 = performance.now();
    window.__changed = changed;
  };
  // Starts a measurement that ends when the sidebar's list changes.
  window.__startList = () => {
    const list = () => [...document.querySelectorAll('.annotations .entries > li')].map((e) => e.dataset.entry).join();
    const before = list();
    window.__start(() => list() !== before);
  };
  document.addEventListener(
    'keydown',
    (e) => {
      const undoRedo = e.ctrlKey && (e.key === 'z' || e.key === 'y');
      if ((e.key === 'Enter' && document.querySelector('[data-popup="tag"]')) || undoRedo) {
        before = count();
        window.__start(() => count() !== before);
      }
    },
    true,
  );
  new MutationObserver(() => {
    if (t0 && window.__changed()) {
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
  }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
}

async function measured(page, act) {
  await page.evaluate(() => (window.__latency = []));
  await act();
  await page.waitForFunction(() => window.__latency.length > 0, null, { timeout: 30_000 });
  return page.evaluate(() => window.__latency[0]);
}

/** In the page: scrolls from top to bottom a step per frame; frame intervals. */
function scrollThrough(step) {
  return new Promise((done) => {
    window.scrollTo(0, 0);
    const intervals = [];
    let last = null;
    const tick = (t) => {
      if (last !== null) intervals.push(t - last);
      last = t;
      const bottom = window.scrollY + innerHeight >= document.documentElement.scrollHeight - 2;
      if (bottom) {
        window.scrollTo(0, 0);
        done(intervals);
        return;
      }
      window.scrollBy(0, step);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** JS heap in use, wasm heap in use, and wasm memory (which only grows). */
async function memory(page) {
  // After a garbage collection, so the JS heap is what is held.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.detach();
  const [wasm, reserved] = await page.evaluate(() => [window.wasmBindings.heap_in_use(), window.__wasm?.memory?.buffer.byteLength ?? 0]);
  return { js: await jsHeapUsed(page), wasm, reserved };
}

async function openLongDocument(page) {
  const before = await page.getAttribute('#app', 'data-document');
  const buffer = Buffer.from(numberedParagraphs('大量标注测试', PARAGRAPH, 1_048_576));
  await page.evaluate((old) => {
    window.__open = {};
    const input = document.querySelector('[data-action="open-document"]');
    input.addEventListener('change', () => (window.__open.chosen = performance.now()), { capture: true, once: true });
    // The app's root is drawn anew for another document: watch the body.
    new MutationObserver((_, observer) => {
      const now = performance.now();
      const app = document.getElementById('app');
      if (!window.__open.visible && app?.dataset.document !== old && document.querySelector('[data-block]')) window.__open.visible = now;
      if (window.__open.visible && app?.dataset.segmentation === 'ready') {
        window.__open.ready = now;
        observer.disconnect();
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-document', 'data-segmentation'] });
  }, before);
  await page.setInputFiles('[data-action="open-document"]', { name: 'bench.txt', mimeType: 'text/plain', buffer });
  await page.waitForFunction(() => window.__open.ready, null, { timeout: 120_000 });
  const o = await page.evaluate(() => window.__open);
  return { visible_ms: o.visible - o.chosen, segmented_ms: o.ready - o.chosen };
}

/**
 * Chooses `file` (JSON) in the import input. The file is fetched by the page
 * and handed to the input there: Playwright's own way of passing a file
 * (base64 decoded in the page) is a long task of its own at these sizes.
 */
async function importFile(page, name, file) {
  writeFileSync(join(OUT, name), JSON.stringify(file));
  await page.evaluate(async (name) => {
    const blob = await (await fetch(`/bench/${name}`)).blob();
    window.__importFile = new File([blob], name, { type: 'application/json' });
  }, name);
  const t0 = Date.now();
  await page.evaluate(() => {
    const input = document.querySelector('[data-action="import"]');
    const files = new DataTransfer();
    files.items.add(window.__importFile);
    input.files = files.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await page.waitForSelector('[data-dialog="import"]', { timeout: 300_000 });
  const preview = Date.now() - t0;
  const orphans = Number(await page.getAttribute('[data-dialog="import"] [data-orphans]', 'data-orphans'));
  const t1 = Date.now();
  await page.click('[data-action="import-merge"]');
  return { preview, orphans, merged: t1 };
}

const OUT = join(ROOT, 'target', 'bench');
mkdirSync(OUT, { recursive: true });
const server = await serveDir(undefined, { '/bench/': OUT });
const browser = await launchBrowser();
const rows = [];
const documents = [];
for (const doc of ['seed', '1 MB']) {
  for (const n of COUNTS) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(() => addEventListener('TrunkApplicationStarted', (e) => (window.__wasm = e.detail.wasm)));
    const page = await openTab(context, server.url);
    await page.waitForSelector('#app[data-segmentation="ready"]', { timeout: 60_000 });
    if (doc === 'seed' && n === 0) {
      // The first paint with text is the article (index.html's static copy).
      const nav = await page.evaluate(() => ({
        visible_ms: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
        segmented_ms: performance.getEntriesByName('segmentation-ready')[0]?.startTime ?? null,
      }));
      documents.push({ document: doc, from: 'navigation', ...nav });
    }
    if (doc === '1 MB') {
      const opened = await openLongDocument(page);
      if (n === 0) documents.push({ document: doc, from: 'file chosen', ...opened });
    }
    await page.evaluate(installProbes);
    const row = { document: doc, annotations: n };
    if (n > 0) {
      const [paragraphs, offsets] = await page.$$eval('[data-kind="paragraph"]', (els) => [
        els.map((e) => e.textContent),
        els.map((e) => Number(e.dataset.offset)),
      ]);
      const imported = await importFile(page, 'bench.json', annotationsFile(paragraphs, n, offsets));
      await page.waitForFunction(
        (n) => new Set([...document.querySelectorAll('mark[data-annotation]')].map((m) => m.dataset.annotation)).size >= n,
        n,
        { timeout: 120_000 },
      );
      row.import_preview_ms = imported.preview;
      row.import_merged_ms = Date.now() - imported.merged;
      await page.waitForTimeout(1000);
    }
    const memoryBefore = await memory(page);
    row.js_heap_mb = memoryBefore.js / 1e6;
    row.wasm_heap_mb = memoryBefore.wasm / 1e6;
    row.wasm_memory_mb = memoryBefore.reserved / 1e6;

    const enter = [];
    const undo = [];
    const redo = [];
    for (let i = 0; i < ACTIONS; i++) {
      await page.keyboard.press('s');
      await page.waitForSelector('[data-keyhint]');
      await page.keyboard.press('Enter');
      await page.waitForSelector('[data-popup="tag"]');
      await page.keyboard.type('新');
      enter.push(await measured(page, () => page.keyboard.press('Enter')));
      undo.push(await measured(page, () => page.keyboard.press('Control+z')));
      redo.push(await measured(page, () => page.keyboard.press('Control+y')));
    }
    const put = (name, xs) => {
      row[`${name}_median_ms`] = quantile(xs.map((x) => x.dom), 0.5);
      row[`${name}_p95_ms`] = quantile(xs.map((x) => x.dom), 0.95);
      row[`${name}_frame_median_ms`] = quantile(xs.map((x) => x.frame), 0.5);
      row[`${name}_frame_p95_ms`] = quantile(xs.map((x) => x.frame), 0.95);
    };
    put('enter', enter);
    put('undo', undo);
    put('redo', redo);

    // The sidebar (with annotations to list): a tag filter on and off, and
    // a letter typed in its search.
    if (n > 0) {
      const filter = [];
      const search = [];
      for (let i = 0; i < 5; i++) {
        for (let j = 0; j < 2; j++) {
          filter.push(
            await measured(page, () =>
              page.evaluate(() => {
                window.__startList();
                document.querySelector('[data-filter-tag]').click();
              }),
            ),
          );
        }
        search.push(
          await measured(page, () =>
            page.evaluate(() => {
              window.__startList();
              const input = document.querySelector('[data-action="search-annotations"]');
              input.value = '新';
              input.dispatchEvent(new InputEvent('input', { bubbles: true }));
            }),
          ),
        );
        await page.fill('[data-action="search-annotations"]', '');
        await page.waitForTimeout(100);
      }
      put('filter', filter);
      put('search', search);
    }

    for (const wordView of [false, true]) {
      if (wordView) {
        await page.click('[data-action="word-view"]');
        await page.waitForSelector('[data-word-view="complete"]');
      }
      const intervals = await page.evaluate(scrollThrough, SCROLL_STEP_PX);
      const key = wordView ? 'scroll_words' : 'scroll';
      row[`${key}_frames`] = intervals.length;
      row[`${key}_median_ms`] = quantile(intervals, 0.5);
      row[`${key}_p95_ms`] = quantile(intervals, 0.95);
      row[`${key}_over_50ms`] = intervals.filter((t) => t > 50).length;
    }
    await page.click('[data-action="word-view"]');
    await page.locator('.article').focus();

    if (n === 5000) {
      // 200 more undoable actions: memory should grow by what they changed.
      const start = await memory(page);
      for (let i = 0; i < 200; i++) {
        await page.keyboard.press('s');
        await page.waitForSelector('[data-keyhint]');
        await page.keyboard.press('Enter');
        await page.waitForSelector('[data-popup="tag"]');
        await page.keyboard.type('多');
        await page.keyboard.press('Enter');
        await page.waitForSelector('[data-popup="tag"]', { state: 'detached' });
      }
      await page.waitForTimeout(1000);
      const after = await memory(page);
      row.after_200_actions_js_heap_mb = after.js / 1e6;
      row.after_200_actions_wasm_heap_mb = after.wasm / 1e6;
      row.bytes_per_action = ((after.js + after.wasm - start.js - start.wasm) / 200) | 0;
    }
    if (doc === '1 MB' && n === 0) {
      // Long quotes that occur nowhere: each is searched for approximately.
      const file = missingQuotesFile(LONG_ORPHANS);
      await page.evaluate(() => (window.__longTasks = []));
      const imported = await importFile(page, 'orphans.json', file);
      row.long_orphans = {
        quotes: LONG_ORPHANS,
        preview_ms: imported.preview,
        kept_as_orphans: imported.orphans,
        longest_task_ms: await page.evaluate(() => Math.max(0, ...window.__longTasks)),
        tasks_over_100ms: await page.evaluate(() => window.__longTasks.filter((t) => t > 100).length),
      };
      await page.waitForSelector('.orphans-title');
    }
    rows.push(row);
    console.error(JSON.stringify(row));
    await context.close();
  }
}
await browser.close();
await server.close();

const f = (x) => (x === null || x === undefined ? '—' : x.toFixed(1));
const pair = (r, k) => `${f(r[`${k}_median_ms`])} / ${f(r[`${k}_p95_ms`])}`;
const framePair = (r, k) => `${f(r[`${k}_frame_median_ms`])} / ${f(r[`${k}_frame_p95_ms`])}`;
console.log(`\n${ACTIONS} actions each (${new Date().toISOString()}); latency in ms, median / p95: to the DOM change, and to the frame that shows it\n`);
console.log('| document | opened from | text visible | segmented |');
console.log('|---|---|---|---|');
for (const d of documents) console.log(`| ${d.document} | ${d.from} | ${f(d.visible_ms)} ms | ${f(d.segmented_ms)} ms |`);
console.log('\n| document | annotations | import → preview | merge → all drawn | Enter | Enter, frame | Ctrl+Z | Ctrl+Z, frame | Ctrl+Y | Ctrl+Y, frame | tag filter | filter, frame | search | search, frame |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.document} | ${r.annotations} | ${r.import_preview_ms ?? '—'} ms | ${r.import_merged_ms ?? '—'} ms | ${pair(r, 'enter')} | ${framePair(r, 'enter')} | ${pair(r, 'undo')} | ${framePair(r, 'undo')} | ${pair(r, 'redo')} | ${framePair(r, 'redo')} | ${pair(r, 'filter')} | ${framePair(r, 'filter')} | ${pair(r, 'search')} | ${framePair(r, 'search')} |`,
  );
}
console.log(`\nScrolling top to bottom, ${SCROLL_STEP_PX} px per frame: frame interval median / p95, frames over 50 ms\n`);
console.log('| document | annotations | frames | word view off | over 50 ms | word view on | over 50 ms |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.document} | ${r.annotations} | ${r.scroll_frames} | ${pair(r, 'scroll')} | ${r.scroll_over_50ms} | ${pair(r, 'scroll_words')} | ${r.scroll_words_over_50ms} |`);
}
console.log('\n| document | annotations | JS heap | wasm heap in use | wasm memory (only grows) | after 200 more actions (JS + wasm heap) |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  const after = r.after_200_actions_js_heap_mb ? `${f(r.after_200_actions_js_heap_mb)} MB + ${f(r.after_200_actions_wasm_heap_mb)} MB (${r.bytes_per_action} bytes per action)` : '—';
  console.log(`| ${r.document} | ${r.annotations} | ${f(r.js_heap_mb)} MB | ${f(r.wasm_heap_mb)} MB | ${f(r.wasm_memory_mb)} MB | ${after} |`);
}
for (const doc of ['seed', '1 MB']) {
  const [z, a, b] = COUNTS.map((n) => rows.find((r) => r.document === doc && r.annotations === n));
  const per = (x, y) => (((y.js_heap_mb + y.wasm_heap_mb - x.js_heap_mb - x.wasm_heap_mb) * 1e6) / (y.annotations - x.annotations)).toFixed(0);
  console.log(`${doc}: bytes per annotation (JS heap + wasm heap in use): 0 → 500: ${per(z, a)}, 500 → 5,000: ${per(a, b)}`);
}
const orphans = rows.find((r) => r.long_orphans)?.long_orphans;
if (orphans) {
  console.log(
    `\n${orphans.quotes} long quotes that occur nowhere, into the 1 MB text: preview after ${orphans.preview_ms} ms, ${orphans.kept_as_orphans} kept as orphans, longest task ${f(orphans.longest_task_ms)} ms, ${orphans.tasks_over_100ms} tasks over 100 ms`,
  );
}
const result = { actions: ACTIONS, documents, rows };
writeFileSync(join(OUT, 'actions.json'), JSON.stringify(result, null, 2));
console.log(JSON.stringify(result));
