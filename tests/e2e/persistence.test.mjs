// Never lose an annotation: reload, two tabs, exports (W3C MUSTs), import
// into a fresh profile, malformed files, damaged storage, a full quota.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withAppServer, openTab, tagPassage, waitForSegmentation, screenshot, ROOT } from './support.mjs';
import { mustAssertions, failedMusts } from './w3c.mjs';

const app = withAppServer();

const PHRASE = '推动成渝地区双城经济圈建设';

const open = (context) => openTab(context, app.server.url);

const annotate = (page, from, to, tag) => tagPassage(page, PHRASE, from, to, tag);

const highlights = (page) =>
  page.$$eval('mark[data-annotation]', (els) => {
    const byId = {};
    for (const e of els) byId[e.dataset.annotation] = (byId[e.dataset.annotation] ?? '') + e.textContent;
    return byId;
  });
// Every annotation is its own key: mozhu.v2.<sha256>.a.<uuid>.
const storedKey = (page) => page.evaluate(() => Object.keys(localStorage).find((k) => /^mozhu\.v2\.[0-9a-f]{64}\.a\./.test(k)));
const storedAll = (page) =>
  page.evaluate(() => JSON.stringify(Object.keys(localStorage).filter((k) => k.startsWith('mozhu.v2.')).sort().map((k) => [k, localStorage.getItem(k)])));
const entries = (page) => page.$$eval('[data-entry]', (e) => e.length);

async function download(page, action) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`[data-action="${action}"]`)]);
  // Kept under target/downloads: the browser's copy goes with its context.
  const path = join(ROOT, 'target', 'downloads', dl.suggestedFilename());
  await dl.saveAs(path);
  return { name: dl.suggestedFilename(), text: await readFile(path, 'utf8'), path };
}

test('annotations survive a reload; exports download and conform; import restores them in a fresh profile', async () => {
  const context = await app.browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await open(context);
  await annotate(page, 0, 1, '政策');
  await annotate(page, 4, 9, '地名');
  const before = await highlights(page);
  assert.equal(Object.keys(before).length, 2);

  await page.reload();
  await page.waitForSelector('mark[data-annotation]');
  assert.deepEqual(await highlights(page), before, 'reload restores exactly what was there');
  assert.equal(await entries(page), 2);

  const json = await download(page, 'export-json');
  assert.match(json.name, /^在新时代新征程全面建设现代化新重庆-标注-\d{4}-\d{2}-\d{2}\.json$/);
  const project = JSON.parse(json.text);
  assert.equal(project.format, 'mozhu-annotations');
  assert.equal(project.annotations.length, 2);

  const w3c = await download(page, 'export-w3c');
  assert.match(w3c.name, /W3C标注-\d{4}-\d{2}-\d{2}\.jsonld$/);
  const collection = JSON.parse(w3c.text);
  assert.equal(collection.type, 'AnnotationCollection');
  const musts = mustAssertions();
  assert.equal(musts.length, 54);
  for (const item of collection.first.items) {
    const withContext = { '@context': collection['@context'], ...item };
    assert.deepEqual(failedMusts(musts, withContext), [], `${item.id} passes every MUST`);
    assert.match(item.created, /Z$/);
    assert.match(item.modified, /Z$/);
    const selectors = item.target.selector.map((s) => s.type);
    assert.ok(selectors.includes('TextQuoteSelector') && selectors.includes('TextPositionSelector'));
    assert.deepEqual(item.body.map((b) => b.purpose), ['tagging']);
  }
  await context.close();

  // A fresh profile: nothing there, then import the JSON file.
  for (const file of [json.path, w3c.path]) {
    const fresh = await app.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p2 = await open(fresh);
    assert.equal(await entries(p2), 0);
    await p2.setInputFiles('[data-action="import"]', file);
    await p2.waitForSelector('[data-dialog="import"]');
    assert.equal(await p2.$eval('[data-orphans]', (e) => e.dataset.orphans), '0');
    await p2.click('[data-action="import-merge"]');
    await p2.waitForSelector('mark[data-annotation]');
    assert.deepEqual(await highlights(p2), before, `importing ${file.endsWith('jsonld') ? 'W3C' : 'JSON'} restores the same highlights`);
    await p2.reload();
    await p2.waitForSelector('mark[data-annotation]');
    assert.deepEqual(await highlights(p2), before, 'and they are saved');
    assert.deepEqual(p2.errors, []);
    await fresh.close();
  }
});

test('a malformed file shows what is wrong and changes nothing; imported text is never HTML', async () => {
  const context = await app.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await open(context);
  await annotate(page, 0, 1, '政策');
  const stored = await storedAll(page);

  const bad = [
    { name: 'truncated.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "mozhu-annotations", "version": 1, "annot') },
    {
      name: 'wrong.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify({ format: 'mozhu-annotations', version: 1, tags: [], annotations: [{ id: 'x', created: 'now', modified: '2026-01-01T00:00:00Z', tags: [], target: { type: 'passage', start: 9, end: 3, quote: { exact: 'a' } } }] })),
    },
  ];
  for (const file of bad) {
    await page.setInputFiles('[data-action="import"]', file);
    const message = await (await page.waitForSelector('[data-message]')).textContent();
    assert.match(message, /未导入.*没有做任何改动/);
    await page.click('[data-message] .remove');
  }
  assert.equal(await entries(page), 1);
  assert.equal(await storedAll(page), stored, 'storage untouched');

  // Tag names and notes from a file are text, never markup.
  const hostile = {
    format: 'mozhu-annotations',
    version: 1,
    exported: '2026-01-01T00:00:00Z',
    document: { title: 't', sha256: 'x', length: 1 },
    tags: [{ name: '<img src=x onerror="window.__xss=1">', color: '#1c7ed6' }],
    annotations: [
      {
        id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
        created: '2026-01-01T00:00:00Z',
        modified: '2026-01-01T00:00:00Z',
        tags: ['<img src=x onerror="window.__xss=1">'],
        note: '<script>window.__xss=2</script>',
        target: { type: 'passage', start: 0, end: 2, quote: { exact: '推动', prefix: '', suffix: '成渝' } },
      },
    ],
  };
  await page.setInputFiles('[data-action="import"]', { name: 'hostile.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(hostile)) });
  await page.click('[data-action="import-merge"]');
  await page.waitForSelector('.entry-note');
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.equal(await page.$$eval('.entry img, .entry script', (e) => e.length), 0);
  assert.ok((await page.$$eval('.entry-note', (e) => e.map((n) => n.textContent))).includes('<script>window.__xss=2</script>'));
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('damaged storage is kept aside, never overwritten; a full quota keeps work in memory', async () => {
  const context = await app.browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await open(context);
  await annotate(page, 0, 1, '政策');
  const key = await storedKey(page);
  await page.evaluate((k) => localStorage.setItem(k, '{"id": "x", "tags": [tru'), key);
  await page.reload();
  await page.waitForSelector('[data-kind="title"]');
  const warning = await (await page.waitForSelector('[data-storage-warning]')).textContent();
  assert.match(warning, /无法读取.*另存为 mozhu\.backup\./);
  const backups = () => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('mozhu.backup.')));
  assert.equal((await backups()).length, 1);
  assert.equal(await page.evaluate((k) => localStorage.getItem(k), (await backups())[0]), '{"id": "x", "tags": [tru');
  // Reloading again does not copy it again.
  await page.reload();
  await page.waitForSelector('[data-kind="title"]');
  assert.equal((await backups()).length, 1);
  const raw = await download(page, 'export-json');
  assert.ok(raw.text.length > 0);
  await screenshot(page, 'storage-damaged');

  // Full quota: every write fails as a full browser storage would.
  await waitForSegmentation(page);
  await annotate(page, 4, 9, '地名');
  const saved = await storedAll(page);
  await page.evaluate(() => {
    Storage.prototype.setItem = function () {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
  await annotate(page, 10, 12, '经济');
  const full = await (await page.waitForSelector('[data-unsaved]:has-text("存储空间已满")')).textContent();
  assert.match(full, /之前保存的内容完好/);
  assert.doesNotMatch(full, /JsValue/);
  assert.equal(await entries(page), 2, 'the new annotation is still on screen');
  assert.equal(await storedAll(page), saved, 'what was stored is not damaged');
  const rescue = JSON.parse((await download(page, 'export-json')).text);
  assert.equal(rescue.annotations.length, 2, 'and can be exported');
  await screenshot(page, 'storage-full');
  await context.close();
});

test('two tabs on the same document: changes appear in both and neither is lost', async () => {
  const context = await app.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const a = await open(context);
  const b = await open(context);
  await annotate(a, 0, 1, '甲');
  await b.waitForSelector('mark[data-annotation]');
  assert.equal(await entries(b), 1, 'a change in one tab appears in the other');
  await annotate(b, 4, 9, '乙');
  await a.waitForFunction(() => document.querySelectorAll('[data-entry]').length === 2);
  // Both edit: each adds one more; both end with all four.
  await Promise.all([annotate(a, 10, 12, '丙'), annotate(b, 1, 3, '丁')]);
  await a.waitForFunction(() => document.querySelectorAll('[data-entry]').length === 4);
  await b.waitForFunction(() => document.querySelectorAll('[data-entry]').length === 4);
  assert.deepEqual(Object.keys(await highlights(a)).sort(), Object.keys(await highlights(b)).sort());
  await context.close();
});
