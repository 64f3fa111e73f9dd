// Nothing lost, nothing injected: the cases found when the app was attacked
// with two tabs, crafted files and tampered storage. Tabs of one browser
// context share localStorage, as a person's tabs do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withAppServer, openTab, tagPassage, charPoint, dragSelect, screenshot } from './support.mjs';

const app = withAppServer();
const PHRASE = '推动成渝地区双城经济圈建设';
const open = (context) => openTab(context, app.server.url);
const newContext = () => app.browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });

// The sidebar's count (it lists a window of entries, not all).
const entries = (page) => page.$eval('.annotations h3 .hint', (e) => parseInt(e.textContent, 10));
const storedIds = (page) =>
  page.evaluate(() => Object.keys(localStorage).filter((k) => /^mozhu\.v2\.[0-9a-f]{64}\.a\./.test(k)).length);

/** Tags the first word of the first paragraph on screen from the keyboard. */
async function quickAnnotate(page, tag) {
  await page.keyboard.press('s');
  await page.waitForSelector('[data-keyhint]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-popup="tag"]');
  await page.keyboard.type(tag);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-popup="tag"]', { state: 'detached' });
}

const annotate = (page, from, to, tag) => tagPassage(page, PHRASE, from, to, tag);

const waitForEntries = (page, n) =>
  page.waitForFunction((n) => parseInt(document.querySelector('.annotations h3 .hint')?.textContent, 10) === n, n, { timeout: 20_000 });

test('two tabs saving at the same moment lose nothing, round after round', async () => {
  const context = await newContext();
  const a = await open(context);
  const b = await open(context);
  const PER_TAB = 20;
  for (let round = 1; round <= 3; round++) {
    await Promise.all(
      [a, b].map(async (page, t) => {
        for (let i = 0; i < PER_TAB; i++) await quickAnnotate(page, `r${round}${'ab'[t]}`);
      }),
    );
    const want = round * PER_TAB * 2;
    await waitForEntries(a, want);
    await waitForEntries(b, want);
    assert.equal(await storedIds(a), want, `round ${round}: every annotation is stored`);
  }
  await a.reload();
  await a.waitForSelector('[data-entry]');
  assert.equal(await entries(a), 120, 'and all are there after a reload');
  assert.deepEqual([...a.errors, ...b.errors], []);
  await context.close();
});

test('undo in one tab undoes only that tab’s own actions', async () => {
  const context = await newContext();
  const a = await open(context);
  const b = await open(context);
  await annotate(a, 0, 1, '甲');
  await waitForEntries(b, 1);
  await annotate(b, 4, 9, '乙');
  await waitForEntries(a, 2);
  // A undoes: its own annotation goes, B's stays, in both tabs.
  await a.keyboard.press('Control+z');
  await waitForEntries(a, 1);
  await waitForEntries(b, 1);
  assert.match(await a.$eval('[data-entry] .chip', (e) => e.textContent), /乙/);
  // A has nothing more of its own to undo.
  await a.keyboard.press('Control+z');
  assert.match(await a.$eval('[data-message]', (e) => e.textContent), /没有可撤销/);
  assert.equal(await entries(a), 1);
  await context.close();
});

test('an edit being typed survives another tab deleting or editing the annotation', async () => {
  const context = await newContext();
  const a = await open(context);
  const b = await open(context);
  await annotate(a, 4, 9, '地名');
  await waitForEntries(b, 1);
  const id = await a.$eval('[data-entry]', (e) => e.dataset.entry);

  // A opens the editor and types; B deletes the annotation meanwhile.
  await a.click(`[data-entry="${id}"] [data-action="edit-annotation"]`);
  await a.waitForSelector('[data-popup="tag"]');
  await a.fill('[data-popup="tag"] .note', '写了一半的备注');
  await b.click(`[data-entry="${id}"] [data-action="delete-annotation"]`);
  await a.waitForSelector('[data-conflict]:has-text("删除")');
  assert.equal(await a.$eval('[data-popup="tag"] .note', (e) => e.value), '写了一半的备注', 'typing kept');
  await screenshot(a, 'edit-conflict-deleted');
  await a.click('[data-action="save-annotation"]');
  await waitForEntries(a, 1);
  await waitForEntries(b, 1);
  assert.equal(await b.$eval(`[data-entry="${id}"] .entry-note`, (e) => e.textContent), '写了一半的备注', 'the edit beat the deletion');

  // A edits again; B changes the note meanwhile: A is told, keeps its text, and its save wins.
  await a.click(`[data-entry="${id}"] [data-action="edit-annotation"]`);
  await a.waitForSelector('[data-popup="tag"]');
  await a.fill('[data-popup="tag"] .note', '甲的新备注');
  await b.click(`[data-entry="${id}"] [data-action="edit-annotation"]`);
  await b.waitForSelector('[data-popup="tag"]');
  await b.fill('[data-popup="tag"] .note', '乙的备注');
  await b.click('[data-action="save-annotation"]');
  await a.waitForSelector('[data-conflict]:has-text("乙的备注")');
  assert.equal(await a.$eval('[data-popup="tag"] .note', (e) => e.value), '甲的新备注');
  await a.click('[data-action="save-annotation"]');
  await b.waitForFunction((id) => document.querySelector(`[data-entry="${id}"] .entry-note`)?.textContent === '甲的新备注', id);
  assert.deepEqual([...a.errors, ...b.errors], []);
  await context.close();
});

test('an edit and a deletion at the same moment in two tabs end the same in both: the edit stays', async () => {
  const context = await newContext();
  const a = await open(context);
  const b = await open(context);
  for (let round = 0; round < 5; round++) {
    await annotate(a, 4, 9, `轮${round}`);
    await waitForEntries(b, 1);
    const id = await a.$eval('[data-entry]', (e) => e.dataset.entry);
    await a.click(`[data-entry="${id}"] [data-action="edit-annotation"]`);
    await a.waitForSelector('[data-popup="tag"]');
    await a.fill('[data-popup="tag"] .note', `编辑${round}`);
    await Promise.all([
      a.click('[data-action="save-annotation"]'),
      b.click(`[data-entry="${id}"] [data-action="delete-annotation"]`),
    ]);
    for (const page of [a, b]) {
      await page.waitForFunction(
        ({ id, note }) => document.querySelector(`[data-entry="${id}"] .entry-note`)?.textContent === note,
        { id, note: `编辑${round}` },
        { timeout: 10_000 },
      );
    }
    const stored = await a.evaluate((id) => Object.keys(localStorage).find((k) => k.endsWith(`.a.${id}`)), id);
    assert.ok(stored, `round ${round}: the edit is stored`);
    // Clean up for the next round (a deletion alone is taken by both).
    await a.click(`[data-entry="${id}"] [data-action="delete-annotation"]`);
    await waitForEntries(b, 0);
  }
  await context.close();
});

test('Enter twice or a double click on 保存 makes one annotation', async () => {
  const context = await newContext();
  const page = await open(context);
  await page.evaluate(() => getSelection().removeAllRanges());
  await dragSelect(page, await charPoint(page, PHRASE, 0, 'left'), await charPoint(page, PHRASE, 1, 'right'));
  await page.waitForSelector('[data-popup="tag"]');
  await page.keyboard.type('甲');
  await Promise.all([page.keyboard.press('Enter'), page.keyboard.press('Enter')]);
  await page.waitForSelector('[data-popup="tag"]', { state: 'detached' });
  await page.evaluate(() => getSelection().removeAllRanges());
  await dragSelect(page, await charPoint(page, PHRASE, 4, 'left'), await charPoint(page, PHRASE, 9, 'right'));
  await page.waitForSelector('[data-popup="tag"]');
  await page.keyboard.type('乙');
  await page.dblclick('[data-action="save-annotation"]');
  await page.waitForTimeout(300);
  assert.equal(await entries(page), 2);
  assert.equal(await storedIds(page), 2);
  await context.close();
});

test('tampered storage cannot inject CSS or widen selectors; damaged settings are kept aside once', async () => {
  const context = await newContext();
  const page = await open(context);
  await annotate(page, 4, 9, '地名');
  const doc = await page.evaluate(() => Object.keys(localStorage).find((k) => /^mozhu\.v2\.[0-9a-f]{64}\./.test(k)).split('.')[2]);
  const leaks = [];
  page.on('request', (r) => r.url().includes('leak') && leaks.push(r.url()));
  const hostileId = '"], [data-block], [x="';
  await page.evaluate(
    ({ doc, hostileId, leak }) => {
      // Tags and the user dictionary are the library's.
      localStorage.setItem('mozhu.v2.library.t.地名', JSON.stringify({ name: '地名', color: `red;background:url(${leak})` }));
      const one = JSON.parse(localStorage.getItem(Object.keys(localStorage).find((k) => k.includes('.a.'))));
      localStorage.setItem(`mozhu.v2.${doc}.a.${hostileId}`, JSON.stringify({ ...one, id: hostileId }));
      localStorage.setItem('mozhu.v2.library.userdict', '{"join": [tru');
    },
    { doc, hostileId, leak: `${app.server.url}leak` },
  );
  await page.reload();
  await page.waitForSelector('[data-entry]');
  const warning = await (await page.waitForSelector('[data-storage-warning]')).textContent();
  assert.match(warning, /无法读取/);
  assert.match(warning, /userdict/);
  assert.equal(await entries(page), 1, 'the forged annotation is not shown');
  // The tag still has a safe colour; nothing was requested.
  const styles = await page.$$eval('[style]', (els) => els.map((e) => e.getAttribute('style')).join(' '));
  assert.doesNotMatch(styles, /url\(/);
  await page.click('[data-entry]');
  await page.waitForTimeout(200);
  assert.equal(await page.$$eval('[data-block].flash, [data-block] .flash:not(mark)', (e) => e.length), 0);
  const backups = () => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('mozhu.backup.')).length);
  assert.equal(await backups(), 3, 'each damaged value is kept aside');
  await page.reload();
  await page.waitForSelector('[data-entry]');
  assert.equal(await backups(), 3, 'once, not again on every reload');
  assert.deepEqual(leaks, []);
  await screenshot(page, 'storage-tampered');
  await context.close();
});

test('fields written by a newer version are kept when an annotation is edited', async () => {
  const context = await newContext();
  const page = await open(context);
  await annotate(page, 4, 9, '地名');
  const key = await page.evaluate(() => Object.keys(localStorage).find((k) => k.includes('.a.')));
  await page.evaluate((key) => {
    const v = JSON.parse(localStorage.getItem(key));
    localStorage.setItem(key, JSON.stringify({ ...v, relations: [{ to: 'x', label: '施事' }] }));
  }, key);
  await page.reload();
  await page.waitForSelector('[data-entry]');
  await page.click('[data-action="edit-annotation"]');
  await page.fill('[data-popup="tag"] .note', '改过');
  await page.click('[data-action="save-annotation"]');
  await page.waitForSelector('.entry-note');
  const stored = await page.evaluate((key) => JSON.parse(localStorage.getItem(key)), key);
  assert.equal(stored.note, '改过');
  assert.deepEqual(stored.relations, [{ to: 'x', label: '施事' }]);
  await context.close();
});

test('an orphan imported with only a quote exports and imports again', async () => {
  const context = await newContext();
  const page = await open(context);
  const item = {
    '@context': 'http://www.w3.org/ns/anno.jsonld',
    id: 'urn:uuid:0b0b0b0b-0000-4000-8000-000000000001',
    type: 'Annotation',
    created: '2026-11-29T18:00:00+08:00',
    body: [{ type: 'TextualBody', purpose: 'tagging', value: '孤' }],
    target: { source: 'urn:x', selector: { type: 'TextQuoteSelector', exact: '这句话在文中根本不存在' } },
  };
  await page.setInputFiles('[data-action="import"]', { name: 'orphan.jsonld', mimeType: 'application/ld+json', buffer: Buffer.from(JSON.stringify(item)) });
  await page.waitForSelector('[data-dialog="import"]');
  await page.click('[data-action="import-merge"]');
  await page.waitForSelector('[data-orphan]');
  for (const action of ['export-json', 'export-w3c']) {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`[data-action="${action}"]`)]);
    await page.setInputFiles('[data-action="import"]', await dl.path());
    await page.waitForSelector('[data-dialog="import"]');
    assert.equal(await page.$eval('[data-orphans]', (e) => e.dataset.orphans), '1', `${action} imports again`);
    await page.click('[data-dialog="import"] button:has-text("取消")');
  }
  await context.close();
});

/** A W3C collection of `n` 256-character quotes that occur nowhere. */
function unplaceable(n) {
  const items = [];
  for (let i = 0; i < n; i++) {
    let exact = '';
    for (let j = 0; j < 256; j++) exact += String.fromCodePoint(0x4e00 + ((i * 131 + j * 7919) % 20000));
    const id = `0c0c0c0c-0000-4000-8000-${String(i).padStart(12, '0')}`;
    items.push({
      id: `urn:uuid:${id}`,
      type: 'Annotation',
      created: '2026-11-29T10:00:00Z',
      target: { source: 'urn:x', selector: { type: 'TextQuoteSelector', exact } },
    });
  }
  return Buffer.from(JSON.stringify({ '@context': 'http://www.w3.org/ns/anno.jsonld', type: 'AnnotationPage', items }));
}

test('a large import shows progress, can be cancelled, and keeps every unplaceable quote as an orphan', async () => {
  const context = await newContext();
  const page = await open(context);
  await page.evaluate(() => {
    window.__tasks = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.__tasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask' });
  });
  const file = { name: 'long-quotes.jsonld', mimeType: 'application/ld+json', buffer: unplaceable(2000) };
  await page.setInputFiles('[data-action="import"]', file);
  await page.waitForSelector('[data-import-progress]');
  await screenshot(page, 'import-progress');
  await page.click('[data-action="cancel-import"]');
  await page.waitForSelector('[data-import-progress]', { state: 'detached' });
  assert.equal(await page.$$('[data-dialog="import"]').then((d) => d.length), 0, 'cancelled: no preview');
  await page.waitForTimeout(500);
  assert.equal(await page.$$('[data-dialog="import"]').then((d) => d.length), 0, 'and it does not come back');
  assert.equal(await storedIds(page), 0, 'nothing changed');

  await page.setInputFiles('[data-action="import"]', file);
  await page.waitForSelector('[data-dialog="import"]', { timeout: 60_000 });
  assert.equal(await page.$eval('[data-orphans]', (e) => e.dataset.orphans), '2000');
  // From the moment the app has the file's text (what came before is the
  // browser taking the file from the test driver).
  const longest = await page.evaluate(() => {
    const from = performance.getEntriesByName('import-read').at(-1).startTime;
    return Math.max(0, ...window.__tasks.filter((t) => t.start + t.duration >= from).map((t) => t.duration));
  });
  console.log(`# longest task from reading to the preview of 2,000 unplaceable 256-character quotes: ${longest.toFixed(0)} ms`);
  await page.click('[data-action="import-merge"]');
  await page.waitForSelector('.orphans-title:has-text("2000")', { timeout: 60_000 });
  // Listed a page at a time.
  assert.equal(await page.$$eval('[data-orphan]', (e) => e.length), 100);
  await page.click('[data-action="more-orphans"]');
  assert.equal(await page.$$eval('[data-orphan]', (e) => e.length), 200);
  const marks = await page.evaluate(() =>
    Object.fromEntries(['import-read', 'import-parsed', 'import-placed'].map((m) => [m, performance.getEntriesByName(m).at(-1)?.startTime])),
  );
  console.log(`# import marks (ms): ${JSON.stringify(marks)}`);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('storage filled by an import: what is unsaved is listed, and undoing the import frees the space', async () => {
  const context = await newContext();
  const page = await open(context);
  await annotate(page, 0, 1, '甲');
  // A quota of what is stored now plus 40,000 characters, enforced as the
  // browser does: a write that does not fit throws and changes nothing.
  await page.evaluate(() => {
    const used = () => Object.keys(localStorage).reduce((n, k) => n + k.length + localStorage.getItem(k).length, 0);
    const limit = used() + 40_000;
    const set = Storage.prototype.setItem;
    Storage.prototype.setItem = function (k, v) {
      const old = this.getItem(k);
      if (used() - (old === null ? 0 : k.length + old.length) + k.length + String(v).length > limit)
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return set.call(this, k, v);
    };
  });
  const items = [];
  for (let i = 0; i < 150; i++) {
    items.push({
      id: `0d0d0d0d-0000-4000-8000-${String(i).padStart(12, '0')}`,
      created: '2026-11-29T10:00:00Z',
      modified: '2026-11-29T10:00:00Z',
      tags: ['导入'],
      note: '长备注'.repeat(150),
      target: { type: 'passage', start: 0, end: 2, quote: { exact: '推动', prefix: '', suffix: '' } },
    });
  }
  const file = { format: 'mozhu-annotations', version: 1, exported: '2026-11-29T10:00:00Z', document: { title: 't', sha256: 'x', length: 1 }, tags: [], annotations: items };
  await page.setInputFiles('[data-action="import"]', { name: 'big.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) });
  await page.waitForSelector('[data-dialog="import"]');
  await page.click('[data-action="import-merge"]');
  const banner = await (await page.waitForSelector('[data-unsaved]')).textContent();
  assert.match(banner, /存储空间已满/);
  assert.match(banner, /推动/);
  await screenshot(page, 'storage-full-after-import');
  // Undo the import: its stored annotations are removed, the banner goes.
  await page.keyboard.press('Control+z');
  await page.waitForSelector('[data-unsaved]', { state: 'detached' });
  assert.equal(await storedIds(page), 1);
  // Later work is saved again.
  await annotate(page, 4, 9, '乙');
  assert.equal(await storedIds(page), 2);
  await page.reload();
  await page.waitForSelector('[data-entry]');
  assert.equal(await entries(page), 2);
  await context.close();
});

test('the tag popup stays on screen at 320 px', async () => {
  const context = await app.browser.newContext({ viewport: { width: 320, height: 640 } });
  const page = await open(context);
  // The last two characters of the first line of a paragraph: a selection
  // at the right edge of the screen.
  const [from, to] = await page.evaluate(() => {
    const block = document.querySelectorAll('[data-kind="paragraph"]')[1];
    block.scrollIntoView({ block: 'center' });
    const text = document.createTreeWalker(block, NodeFilter.SHOW_TEXT).nextNode();
    const rects = [];
    for (let i = 0; i < 40 && i < text.data.length; i++) {
      const r = document.createRange();
      r.setStart(text, i);
      r.setEnd(text, i + 1);
      rects.push(r.getBoundingClientRect());
    }
    const firstLine = rects.filter((r) => Math.abs(r.top - rects[0].top) < 2);
    const end = firstLine[firstLine.length - 1];
    const before = firstLine[firstLine.length - 3];
    return [
      { x: before.left + 1, y: before.top + before.height / 2 },
      { x: end.right - 1, y: end.top + end.height / 2 },
    ];
  });
  await dragSelect(page, from, to);
  const popup = await page.waitForSelector('[data-popup="tag"]');
  const r = await popup.evaluate((e) => e.getBoundingClientRect().toJSON());
  assert.ok(r.left >= 0 && r.right <= 320, `popup at ${r.left}..${r.right}`);
  await screenshot(page, 'popup-320');
  await context.close();
});

test('data saved by version 1 (one key per document) loads with nothing lost and moves to the new layout', async () => {
  const context = await newContext();
  const page = await open(context);
  await annotate(page, 4, 9, '地名');
  await annotate(page, 0, 1, '政策');
  const before = await page.$$eval('[data-entry]', (e) => e.map((x) => x.textContent).sort());
  // Rewrite what is stored as version 1 wrote it.
  await page.evaluate(() => {
    const keys = Object.keys(localStorage).filter((k) => k.startsWith('mozhu.v2.'));
    const doc = keys.find((k) => k.includes('.a.')).split('.')[2];
    const annotations = keys.filter((k) => k.includes('.a.')).map((k) => JSON.parse(localStorage.getItem(k)));
    const tags = keys.filter((k) => k.includes('.t.')).map((k) => JSON.parse(localStorage.getItem(k))).map(({ name, color }) => ({ name, color }));
    for (const k of keys) localStorage.removeItem(k);
    localStorage.setItem(`mozhu.v1.${doc}.annotations`, JSON.stringify({ version: 1, document: doc, saved: '2026-11-29T10:00:00.000Z', annotations, tags, orphans: [] }));
    localStorage.setItem(`mozhu.v1.${doc}.userdict`, JSON.stringify({ join: ['双城经济圈'], split: [] }));
    localStorage.setItem(`mozhu.v1.${doc}.wordview`, 'false');
  });
  await page.reload();
  await page.waitForSelector('[data-entry]');
  await page.waitForFunction(() => !Object.keys(localStorage).some((k) => k.startsWith('mozhu.v1.')));
  assert.deepEqual(await page.$$eval('[data-entry]', (e) => e.map((x) => x.textContent).sort()), before);
  assert.equal(await storedIds(page), 2);
  assert.match(await page.evaluate(() => localStorage.getItem(Object.keys(localStorage).find((k) => k.endsWith('.userdict')))), /双城经济圈/);
  await page.reload();
  await page.waitForSelector('[data-entry]');
  assert.equal(await entries(page), 2);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('tags and the user dictionary a document kept on its own (before the library) join the library with nothing lost', async () => {
  const context = await newContext();
  const page = await open(context);
  await annotate(page, 4, 9, '地名');
  // Rewrite the tags and the dictionary as the previous layout kept them:
  // under the document's own keys.
  const doc = await page.evaluate(() => {
    const keys = Object.keys(localStorage);
    const doc = keys.find((k) => /^mozhu\.v2\.[0-9a-f]{64}\.a\./.test(k)).split('.')[2];
    for (const k of keys.filter((k) => k.startsWith('mozhu.v2.library.t.') || k === 'mozhu.v2.library.userdict')) localStorage.removeItem(k);
    localStorage.setItem(`mozhu.v2.${doc}.t.地名`, JSON.stringify({ name: '地名', color: '#0c8599', order: 0 }));
    localStorage.setItem(`mozhu.v2.${doc}.t.未用`, JSON.stringify({ name: '未用', color: '#e8590c', order: 1 }));
    localStorage.setItem(`mozhu.v2.${doc}.t.坏的`, JSON.stringify({ name: '坏的', color: 'url(x)', order: 2 }));
    localStorage.setItem(`mozhu.v2.${doc}.userdict`, JSON.stringify({ join: ['双城经济圈'], split: [] }));
    return doc;
  });
  await page.reload();
  await page.waitForSelector('[data-entry]');
  await page.waitForFunction((doc) => !Object.keys(localStorage).some((k) => k.startsWith(`mozhu.v2.${doc}.t.`) && !k.endsWith('坏的')), doc);
  const library = await page.evaluate(() =>
    Object.fromEntries(Object.keys(localStorage).filter((k) => k.startsWith('mozhu.v2.library.t.')).map((k) => [k.slice(19), JSON.parse(localStorage.getItem(k)).color])),
  );
  assert.deepEqual(library, { 地名: '#0c8599', 未用: '#e8590c' }, 'both tags and their colours moved to the library');
  assert.match(await page.evaluate(() => localStorage.getItem('mozhu.v2.library.userdict')), /双城经济圈/);
  assert.equal(await page.evaluate((doc) => localStorage.getItem(`mozhu.v2.${doc}.userdict`), doc), null, 'the old key is removed once moved');
  // The damaged old tag is kept aside, not dropped, and said so.
  assert.match(await page.textContent('[data-storage-warning]'), /无法读取/);
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('mozhu.backup.')).length), 1);
  await page.click('[data-action="tag-manager"]');
  assert.deepEqual(await page.$$eval('[data-tag-row]', (els) => els.map((e) => e.dataset.tagRow)), ['地名', '未用']);
  await context.close();
});
