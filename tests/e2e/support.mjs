// Shared by the end-to-end tests and the benchmark: a static server for dist/
// on 127.0.0.1 and Debian's headless Chromium driven by playwright-core.
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { readFile, stat, mkdir } from 'node:fs/promises';
import { join, extname, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = join(ROOT, 'dist');
export const SHOTS = join(ROOT, 'target', 'screenshots');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves `dir` on 127.0.0.1 at a free port; `mounts` maps URL prefixes
 * (ending in /) to other directories. Resolves to { url, close }.
 */
export async function serveDir(dir = DIST, mounts = {}) {
  await stat(join(dir, 'index.html')).catch(() => {
    throw new Error(`${dir}/index.html is missing: run scripts/build first`);
  });
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const prefix = Object.keys(mounts).find((p) => path.startsWith(p));
    const base = prefix ? mounts[prefix] : dir;
    const rest = prefix ? path.slice(prefix.length - 1) : path;
    const file = join(base, rest.endsWith('/') ? rest + 'index.html' : rest);
    if (!file.startsWith(base)) {
      res.writeHead(403).end();
      return;
    }
    try {
      // Cached and revalidated as a static host does (ETag, no-cache), so a
      // second visit gets 304s and the browser's cached, compiled wasm.
      const info = await stat(file);
      const etag = `"${info.size.toString(16)}-${info.mtimeMs.toString(16)}"`;
      const headers = { etag, 'last-modified': info.mtime.toUTCString(), 'cache-control': 'no-cache' };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers).end();
        return;
      }
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((ok) => server.close(ok)) };
}

/**
 * For a test file: serves dist/ and launches Chromium before its tests and
 * closes both after them. `server` and `browser` are set once `before` ran.
 */
export function withAppServer() {
  const app = {};
  before(async () => {
    app.server = await serveDir();
    app.browser = await launchBrowser();
  });
  after(async () => {
    await app.browser?.close();
    await app.server?.close();
  });
  return app;
}

/**
 * Debian's Chromium, headless, as these machines need it (root, no network).
 * Playwright gives every launch a fresh temporary profile.
 */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page that records console errors and uncaught exceptions in `page.errors`. */
export async function newPage(browser, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') page.errors.push(msg.text());
  });
  page.on('pageerror', (err) => page.errors.push(String(err)));
  return page;
}

export async function screenshot(page, name, options = {}) {
  await mkdir(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, ...options });
  return path;
}

/** Opens the app and waits until the article is on screen. */
export async function openApp(browser, url, viewport) {
  const page = await newPage(browser, viewport);
  await page.goto(url);
  await page.waitForSelector('[data-kind="title"]');
  return page;
}

/**
 * A tab in `context` (tabs of one context share localStorage, as a
 * person's tabs do) with the app loaded and segmented; console errors and
 * uncaught exceptions are collected in `page.errors`.
 */
export async function openTab(context, url) {
  const page = await context.newPage();
  page.errors = [];
  page.on('console', (m) => m.type() === 'error' && page.errors.push(m.text()));
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector('[data-kind="title"]');
  await waitForSegmentation(page);
  return page;
}

export async function waitForSegmentation(page) {
  await page.waitForSelector('#app[data-segmentation="ready"]', { timeout: 60_000 });
}

/**
 * Screen point at the middle of the character at code point `cp` of the
 * block whose text contains `needle` (cp counted from the needle's start).
 */
export async function charPoint(page, needle, cp, side = 'middle') {
  return page.evaluate(
    ({ needle, cp, side }) => {
      const block = [...document.querySelectorAll('[data-block]')].find((b) => b.textContent.includes(needle));
      if (!block) throw new Error(`no block contains ${needle}`);
      const before = block.textContent.slice(0, block.textContent.indexOf(needle));
      let target = [...before].length + cp;
      const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const chars = [...n.data];
        if (target < chars.length) {
          const unitStart = chars.slice(0, target).join('').length;
          const range = document.createRange();
          range.setStart(n, unitStart);
          range.setEnd(n, unitStart + chars[target].length);
          const r = range.getBoundingClientRect();
          const x = side === 'left' ? r.left + 1 : side === 'right' ? r.right - 1 : r.left + r.width / 2;
          return { x, y: r.top + r.height / 2 };
        }
        target -= chars.length;
      }
      throw new Error('code point out of range');
    },
    { needle, cp, side },
  );
}

/** Drags the mouse from one character to another, as a person selects. */
export async function dragSelect(page, from, to, { alt = false } = {}) {
  if (alt) await page.keyboard.down('Alt');
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 4 });
  await page.mouse.up();
  if (alt) await page.keyboard.up('Alt');
}

/**
 * Selects code points `from..=to` of the block text starting at `phrase`
 * with the mouse and tags the selection `tag` from the popup.
 */
export async function tagPassage(page, phrase, from, to, tag) {
  await page.evaluate(() => getSelection().removeAllRanges());
  await dragSelect(page, await charPoint(page, phrase, from, 'left'), await charPoint(page, phrase, to, 'right'));
  await page.waitForSelector('[data-popup="tag"]');
  await page.keyboard.type(tag);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-popup="tag"]', { state: 'detached' });
}

/** The page's used JS heap in bytes (Chrome DevTools Protocol). */
export async function jsHeapUsed(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  await cdp.detach();
  return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
}

/** A project file of `n` annotations on passages of the page's paragraphs. */
/**
 * A long text of about `bytes` UTF-8 bytes: `title`, then `paragraph`
 * repeated with its number ("第 i 段。"), blank lines between.
 */
export function numberedParagraphs(title, paragraph, bytes) {
  const lines = [title, ''];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `${paragraph}第 ${i} 段。`;
    lines.push(line, '');
    size += Buffer.byteLength(line) + 2;
  }
  return lines.join('\n');
}

export function annotationsFile(paragraphs, n, offsets) {
  const items = [];
  for (let i = 0; i < n; i++) {
    const k = offsets ? Math.floor((i * paragraphs.length) / n) : i % paragraphs.length;
    const chars = [...paragraphs[k]];
    const at = (i * 13) % Math.max(1, chars.length - 8);
    const exact = chars.slice(at, at + 2 + (i % 5)).join('');
    // With the paragraphs' offsets, at its position (spread over the whole
    // document); without, placed by its quote, as an import from another
    // version.
    const [start, end] = offsets ? [offsets[k] + at, offsets[k] + at + [...exact].length] : [0, 0];
    items.push({
      id: `0f0f0f0f-0000-4000-8000-${String(i).padStart(12, '0')}`,
      created: '2026-11-29T10:00:00Z',
      modified: '2026-11-29T10:00:00Z',
      tags: [`标签${i % 7}`],
      // Position unknown: placed by its quote, as an import from another version.
      target: { type: 'passage', start, end, quote: { exact, prefix: '', suffix: '' } },
    });
  }
  return { format: 'mozhu-annotations', version: 1, exported: '2026-11-29T10:00:00Z', document: { title: 'bench', sha256: 'x', length: 1 }, tags: [], annotations: items };
}

/**
 * A project file of `n` annotations whose 300-character quotes occur in no
 * generated text (they use characters the texts here never do), with
 * positions that point into the text: each must be searched for
 * approximately and kept as an orphan.
 */
export function missingQuotesFile(n) {
  const file = annotationsFile([], 0);
  for (let i = 0; i < n; i++) {
    const exact = Array.from({ length: 300 }, (_, k) => String.fromCodePoint(0x9fa0 - ((i * 31 + k * 7) % 2000))).join('');
    file.annotations.push({
      id: `0e0e0e0e-0000-4000-8000-${String(i).padStart(12, '0')}`,
      created: '2026-11-29T10:00:00Z',
      modified: '2026-11-29T10:00:00Z',
      tags: ['孤立'],
      target: { type: 'passage', start: i * 100, end: i * 100 + 300, quote: { exact, prefix: '', suffix: '' } },
    });
  }
  return file;
}

/** Opens `text` as a new document from the top bar and waits for its words. */
export async function openText(page, name, text) {
  const before = await page.getAttribute('#app', 'data-document');
  await page.setInputFiles('[data-action="open-document"]', { name, mimeType: 'text/plain', buffer: Buffer.from(text) });
  await page.waitForFunction((old) => document.querySelector('#app')?.dataset.document !== old, before, { timeout: 60_000 });
  await waitForSegmentation(page);
}


/**
 * A project file for `text` with annotations `made`: [quote, tags, note]
 * each, at the quote's first occurrence (code points), ids numbered.
 */
export function projectFile(text, made) {
  const cp = (s) => [...s].length;
  const at = (needle) => cp(text.slice(0, text.indexOf(needle)));
  const annotations = made.map(([quote, tags, note], i) => ({
    id: `0a0a0a0a-0000-4000-8000-${String(i).padStart(12, '0')}`,
    created: '2026-11-30T08:00:00.000Z',
    modified: '2026-11-30T08:00:00.000Z',
    tags,
    note,
    target: { type: 'passage', start: at(quote), end: at(quote) + cp(quote), quote: { exact: quote, prefix: '', suffix: '' } },
  }));
  const sha256 = createHash('sha256').update(text).digest('hex');
  return { format: 'mozhu-annotations', version: 1, exported: '2026-11-30T08:00:00.000Z', document: { title: 'test', sha256, length: cp(text) }, tags: [], annotations };
}

/**
 * Gives the import input a file the page fetches from `/bench/<name>`
 * (the benchmarks' served output directory): Playwright's own file passing
 * is a long task at benchmark sizes.
 */
export async function importServedFile(page, name) {
  await page.evaluate(async (name) => {
    const blob = await (await fetch(`/bench/${name}`)).blob();
    const input = document.querySelector('[data-action="import"]');
    const files = new DataTransfer();
    files.items.add(new File([blob], name, { type: 'application/json' }));
    input.files = files.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }, name);
}
