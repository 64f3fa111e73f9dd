// Opening large documents: a text file of 0.25, 0.5 and 1 MB chosen in the
// top bar, timed from choosing it to the document on screen and to its
// segmentation ready, with the longest main-thread task (Long Tasks API).
// Prints a table and JSON. Usage: node tests/e2e/bench-documents.mjs
import { serveDir, launchBrowser, newPage, waitForSegmentation, numberedParagraphs } from './support.mjs';

const PARAGRAPH = '　　这是一段用来测试打开大文档的中文文字，包含标点、数字 2026 和 English words，长度与新闻稿的段落相近。';

const text = (bytes) => numberedParagraphs('大文档测试', PARAGRAPH, bytes);

const server = await serveDir();
const browser = await launchBrowser();
const rows = [];
for (const mb of [0.25, 0.5, 1]) {
  const page = await newPage(browser);
  await page.goto(server.url);
  await waitForSegmentation(page);
  const before = await page.getAttribute('#app', 'data-document');
  await page.evaluate(() => {
    window.__longest = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
    }).observe({ type: 'longtask' });
  });
  const body = Buffer.from(text(mb * 1_048_576));
  const t0 = Date.now();
  await page.setInputFiles('[data-action="open-document"]', { name: `${mb}MB.txt`, mimeType: 'text/plain', buffer: body });
  await page.waitForFunction((old) => {
    const d = document.querySelector('#app')?.dataset.document;
    return d && d !== old && document.querySelectorAll('[data-block]').length > 10;
  }, before, { timeout: 120_000 });
  const shown = Date.now() - t0;
  await waitForSegmentation(page);
  const segmented = Date.now() - t0;
  const blocks = await page.$$eval('[data-block]', (e) => e.length);
  const longest = await page.evaluate(() => window.__longest);
  const scroll = {};
  for (const wordView of [false, true]) {
    if (wordView) {
      await page.evaluate(() => (window.__longest = 0));
      const w0 = Date.now();
      await page.click('[data-action="word-view"]');
      await page.waitForSelector('[data-token]');
      scroll.word_view_first_ms = Date.now() - w0;
      await page.waitForSelector('article[data-word-view="complete"]', { timeout: 120_000 });
      await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
      scroll.word_view_all_ms = Date.now() - w0;
      scroll.word_view_longest_task_ms = Math.round(await page.evaluate(() => window.__longest));
    }
    scroll[wordView ? 'word_view' : 'plain'] = await page.evaluate(async () => {
      window.scrollTo(0, 0);
      const frames = [];
      let last = performance.now();
      const end = document.documentElement.scrollHeight - innerHeight;
      // About a screen per frame, top to bottom, as a fast wheel scroll.
      while (scrollY < end - 1) {
        window.scrollBy(0, innerHeight * 0.9);
        await new Promise((ok) => requestAnimationFrame(ok));
        const now = performance.now();
        frames.push(now - last);
        last = now;
      }
      frames.sort((a, b) => a - b);
      const at = (q) => frames[Math.min(frames.length - 1, Math.floor(frames.length * q))];
      return { frames: frames.length, median_ms: +at(0.5).toFixed(1), p95_ms: +at(0.95).toFixed(1), over_50ms: frames.filter((f) => f > 50).length };
    });
  }
  await page.context().close();

  const plain = await newPage(browser);
  const html = body.toString().split(/\n\s*\n/).map((p) => `<p>${p.replace(/[&<>]/g, '')}</p>`).join('');
  const r0 = Date.now();
  await plain.setContent(`<!doctype html><meta charset="utf-8"><body>${html}</body>`);
  await plain.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
  const reference = Date.now() - r0;
  await plain.context().close();
  rows.push({ size_mb: mb, bytes: body.length, blocks, shown_ms: shown, segmented_ms: segmented, longest_task_ms: Math.round(longest), static_html_ms: reference, ratio: +(shown / reference).toFixed(2), scroll });
}
await browser.close();
await server.close();
console.log('| file | blocks | on screen | same text as static HTML | ratio | segmented | longest task |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.size_mb} MB | ${r.blocks} | ${r.shown_ms} ms | ${r.static_html_ms} ms | ${r.ratio} | ${r.segmented_ms} ms | ${r.longest_task_ms} ms |`);
console.log('');
console.log('| file | scrolling | frames | median | p95 | over 50 ms |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.size_mb} MB | word view on: first words / every word / longest task | | ${r.scroll.word_view_first_ms} ms | ${r.scroll.word_view_all_ms} ms | ${r.scroll.word_view_longest_task_ms} ms |`);
  for (const [view, f] of Object.entries(r.scroll).filter(([, f]) => typeof f === 'object')) console.log(`| ${r.size_mb} MB | ${view} | ${f.frames} | ${f.median_ms} ms | ${f.p95_ms} ms | ${f.over_50ms} |`);
}
console.log(JSON.stringify(rows));
