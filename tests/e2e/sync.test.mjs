// Team sync through a CouchDB-compatible server (pouchdb-server from npm on
// 127.0.0.1): two browser profiles see each other's annotations; both edit
// while the server is stopped and get everything once it is back; a PouchDB
// client in node reads the app's documents by the README's schema and
// writes one the app shows; user-dictionary words reach the other
// profile; a wrong password and an unreachable server
// are explained and change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT, serveDir, launchBrowser, openTab, tagPassage, screenshot } from './support.mjs';
import { startCouch, startSync, waitForStatus, USERS } from './couch.mjs';

const require = createRequire(import.meta.url);
const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-memory'))
  .plugin(require('pouchdb-adapter-http'))
  .plugin(require('pouchdb-replication'));

const [ANNA, BO] = USERS;
const PYTHON = process.env.READERS_PYTHON ?? join(ROOT, 'target', 'readers-venv', 'bin', 'python');

/** Edits the note of annotation `id` from its sidebar entry. */
async function editNote(page, id, note) {
  await page.click(`[data-entry="${id}"] [data-action="edit-annotation"]`);
  await page.waitForSelector('[data-popup="tag"]');
  await page.fill('.popup .note', note);
  await page.click('[data-action="save-annotation"]');
  await page.waitForSelector(`[data-entry="${id}"] .entry-note`);
}
const waitForMessage = (page, text) =>
  page.waitForFunction((text) => document.querySelector('[data-sync-message]')?.textContent.includes(text), text, { timeout: 20_000 });
const noteOf = (page, id) => page.$eval(`[data-entry="${id}"] .entry-note`, (e) => e.textContent).catch(() => null);
let app, browser;
before(async () => {
  app = await serveDir();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await app?.close();
});

/** A fresh browser profile (its own storage and cookies) with the app open. */
async function profile() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openTab(context, app.url);
  return page;
}

/** A fresh profile syncing with `couch` as `user`, the panel closed. */
async function syncing(couch, user) {
  const page = await profile();
  await startSync(page, couch, user);
  await waitForStatus(page, 'synced');
  await page.keyboard.press('Escape');
  return page;
}

const ids = (page) => page.$$eval('[data-entry]', (els) => els.map((e) => e.dataset.entry).sort());
const waitForEntries = (page, n, timeout = 20_000) =>
  page.waitForFunction((n) => document.querySelectorAll('[data-entry]').length === n, n, { timeout });
// The protocol asks for checkpoints that do not exist yet (404), and the
// offline test's server is down for a while (refused, reset, not
// connected): the browser logs both.
const unexpected = (errors) => errors.filter((e) => !/status of 404|net::ERR_/.test(e));
const stored = (page) =>
  page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('.annotation.')).sort().map((k) => [k, localStorage.getItem(k)]));

test('two profiles on one database see each other\'s annotations within seconds', async () => {
  const couch = await startCouch();
  try {
    const a = await syncing(couch, ANNA);
    const b = await syncing(couch, BO);

    await tagPassage(a, '推动成渝地区双城经济圈建设', 0, 3, '地区');
    await waitForEntries(a, 1);
    const t0 = Date.now();
    await waitForEntries(b, 1);
    const seconds = (Date.now() - t0) / 1000;
    assert.ok(seconds < 10, `arrived after ${seconds} s`);
    await tagPassage(b, '加快建设西部陆海新通道', 2, 5, '通道');
    await waitForEntries(a, 2);
    assert.deepEqual(await ids(a), await ids(b));
    // Each annotation shows who made it.
    const creators = await a.$$eval('[data-entry] [data-creator]', (els) => els.map((e) => e.dataset.creator).sort());
    assert.deepEqual(creators, [ANNA.display, BO.display].sort());
    // The server holds them as the README's schema says.
    const all = await couch.admin('GET', `${couch.database}/_all_docs?include_docs=true`);
    const docs = all.body.rows.map((r) => r.doc);
    const annotations = docs.filter((d) => d._id.startsWith('annotation:'));
    assert.equal(annotations.length, 2);
    for (const d of annotations) {
      assert.equal(d._id, `annotation:${d.id}`);
      assert.match(d.document, /^[0-9a-f]{64}$/);
      assert.ok([ANNA.display, BO.display].includes(d.creator));
      assert.equal(d.target.type, 'passage');
    }
    assert.ok(docs.some((d) => d._id === `document:${annotations[0].document}` && d.text.includes('成渝')));
    assert.ok(docs.some((d) => d._id === 'tag:地区'));
    // A deletion is a tombstone there, and goes from the other profile too.
    const gone = (await ids(b))[0];
    await b.click(`[data-entry="${gone}"]`);
    await b.keyboard.press('Delete');
    await waitForEntries(b, 1);
    await waitForEntries(a, 1);
    const tomb = await couch.admin('GET', `${couch.database}/_changes?style=all_docs`);
    assert.ok(tomb.body.results.some((r) => r.id.endsWith(gone) && r.deleted));
    await screenshot(a, 'sync-two-profiles');
    assert.deepEqual(unexpected([...a.errors, ...b.errors]), []);
    await a.context().close();
    await b.context().close();
  } finally {
    await couch.close();
  }
});

test('user-dictionary words go to the other profile, which segments with them', async () => {
  const couch = await startCouch();
  try {
    const a = await syncing(couch, ANNA);
    const b = await syncing(couch, BO);
    const word = '成渝地区双城经济圈';
    const addWord = async (page, entry) => {
      await page.fill('[data-action="user-dict-input"]', entry);
      await page.keyboard.press('Enter');
      await page.waitForSelector(`[data-user-word="${entry}"]`);
    };
    await addWord(a, word);
    await b.waitForSelector(`[data-user-word="${word}"]`, { timeout: 20_000 });
    await b.click('[data-action="word-view"]');
    await b.waitForFunction((w) => [...document.querySelectorAll('[data-token]')].some((t) => t.textContent === w), word);
    await screenshot(b, 'sync-user-dictionary');
    const read = (id) => couch.admin('GET', `${couch.database}/${encodeURIComponent(id)}`);
    const joined = await read(`userdict:${word}`);
    assert.equal(joined.body.word, word);
    assert.equal(joined.body.rule, 'join');
    assert.equal(joined.body.creator, ANNA.display);
    // B adds a split rule and removes the word A added: A follows both.
    await addWord(b, '双城/经济圈');
    await b.click(`[data-user-word="${word}"] .remove`);
    await a.waitForSelector('[data-user-word="双城/经济圈"]', { timeout: 20_000 });
    await a.waitForFunction((w) => !document.querySelector(`[data-user-word="${w}"]`), word, { timeout: 20_000 });
    const split = await read('userdict:双城经济圈');
    assert.deepEqual(split.body.parts, ['双城', '经济圈']);
    const changes = await couch.admin('GET', `${couch.database}/_changes`);
    assert.ok(changes.body.results.some((r) => r.id === `userdict:${word}` && r.deleted));
    assert.deepEqual(unexpected([...a.errors, ...b.errors]), []);
    await a.context().close();
    await b.context().close();
  } finally {
    await couch.close();
  }
});

test('both edit while the server is stopped; after it is back both have everything', async () => {
  const couch = await startCouch({ persistent: true });
  try {
    const a = await syncing(couch, ANNA);
    const b = await syncing(couch, BO);
    await tagPassage(a, '推动成渝地区双城经济圈建设', 0, 3, '共同');
    await waitForEntries(b, 1);

    const shared = (await ids(a))[0];

    await couch.stop();
    await waitForStatus(a, 'offline', 40_000);
    await waitForStatus(b, 'offline', 40_000);
    // Both edit the shared annotation: B's edit is the later one.
    await editNote(a, shared, '甲离线时改的');
    await new Promise((ok) => setTimeout(ok, 50));
    await editNote(b, shared, '乙离线时改的，较晚');
    await tagPassage(a, '加快建设西部陆海新通道', 2, 5, '甲离线');
    await tagPassage(a, '为做好重庆工作提供了政治指引', 3, 6, '甲离线');
    await tagPassage(b, '全面建成社会主义现代化强国', 0, 3, '乙离线');
    await waitForEntries(a, 3);
    await waitForEntries(b, 2);
    await screenshot(a, 'sync-offline');

    await couch.start();
    await waitForEntries(a, 4, 60_000);
    await waitForEntries(b, 4, 60_000);
    await waitForStatus(a, 'synced', 60_000);
    await waitForStatus(b, 'synced', 60_000);
    assert.deepEqual(await ids(a), await ids(b));
    // The conflict ends the same on both sides: the later edit, with the
    // other kept in the annotation's history.
    await a.waitForFunction((id) => document.querySelector(`[data-entry="${id}"] .entry-note`)?.textContent === '乙离线时改的，较晚', shared, { timeout: 20_000 });
    assert.equal(await noteOf(b, shared), '乙离线时改的，较晚');
    await a.click(`[data-entry="${shared}"] [data-action="annotation-history"]`);
    await a.waitForSelector(`[data-history="${shared}"]`);
    assert.match(await a.textContent(`[data-history="${shared}"]`), /甲离线时改的/);
    await screenshot(a, 'sync-conflict-history');
    const doc = await couch.admin('GET', `${couch.database}/annotation:${shared}?conflicts=true`);
    assert.equal(doc.body.note, '乙离线时改的，较晚');
    assert.equal(doc.body._conflicts, undefined, 'no conflict left on the server');
    // And a reload keeps them (they are in localStorage, as every edit is).
    await b.reload();
    await b.waitForSelector('[data-kind="title"]');
    await waitForEntries(b, 4);
    // Syncing resumes by itself on the session cookie (no password asked).
    await waitForStatus(b, 'synced');
    assert.deepEqual(unexpected([...a.errors, ...b.errors]), []);
    await a.context().close();
    await b.context().close();
  } finally {
    await couch.close();
  }
});

test('a PouchDB client reads the app\'s documents by the schema, and its own appear in the app', async () => {
  const couch = await startCouch();
  try {
    const a = await syncing(couch, ANNA);
    await tagPassage(a, '推动成渝地区双城经济圈建设', 0, 3, '地区');
    await a.waitForFunction(() => document.querySelector('#app').dataset.syncStatus === 'synced');
    await new Promise((ok) => setTimeout(ok, 1000));

    const remote = new PouchDB(`${couch.url}/${couch.database}`, { auth: { username: BO.name, password: BO.password } });
    const local = new PouchDB('interop', { adapter: 'memory' });
    await PouchDB.replicate(remote, local);
    const { rows } = await local.allDocs({ include_docs: true, startkey: 'annotation:', endkey: 'annotation:\uffff' });
    assert.equal(rows.length, 1);
    const made = rows[0].doc;
    const document = await local.get(`document:${made.document}`);
    const cps = [...document.text];
    assert.equal(cps.slice(made.target.start, made.target.end).join(''), made.target.quote.exact);
    assert.equal(made.creator, ANNA.display);
    assert.deepEqual(made.tags, ['地区']);

    // PouchDB writes an annotation of its own by the same schema.
    const at = document.text.indexOf('西部陆海新通道');
    const start = [...document.text.slice(0, at)].length;
    const id = '7e57a000-0000-4000-8000-000000000001';
    await local.put({
      _id: `annotation:${id}`,
      id,
      created: '2026-11-30T09:00:00.000Z',
      modified: '2026-11-30T09:00:00.000Z',
      tags: ['通道'],
      note: '由 PouchDB 写入',
      target: { type: 'passage', start, end: start + 7, quote: { exact: '西部陆海新通道', prefix: '', suffix: '' } },
      document: made.document,
      creator: '外部工具',
    });
    await PouchDB.replicate(local, remote);
    await a.waitForSelector(`[data-annotation="${id}"]`, { timeout: 20_000 });
    assert.equal(await a.$eval(`[data-entry="${id}"] [data-creator]`, (e) => e.dataset.creator), '外部工具');
    await local.destroy();
    await a.context().close();
  } finally {
    await couch.close();
  }
});

test('agreement between two annotators: F1, and kappa as scikit-learn computes it', async () => {
  const couch = await startCouch();
  try {
    const a = await syncing(couch, ANNA);
    const b = await syncing(couch, BO);
    // The same span, a span one word longer, and one each alone.
    await tagPassage(a, '推动成渝地区双城经济圈建设', 0, 3, '地区');
    await tagPassage(a, '加快建设西部陆海新通道', 4, 10, '地区');
    await tagPassage(a, '全面建成社会主义现代化强国', 6, 8, '制度');
    // B tags once A's highlights are drawn (one arriving mid-drag moves the text).
    await waitForEntries(b, 3);
    await tagPassage(b, '推动成渝地区双城经济圈建设', 0, 3, '地区');
    await tagPassage(b, '加快建设西部陆海新通道', 2, 10, '地区');
    await tagPassage(b, '为做好重庆工作提供了政治指引', 3, 6, '地区');
    await waitForEntries(a, 6);
    await waitForEntries(b, 6);
    await a.keyboard.press('a');
    await a.waitForSelector('[data-dialog="agreement"] [data-agreement-tag="地区"]');
    const row = await a.$eval('[data-agreement-tag="地区"]', (r) => ({ ...r.dataset }));
    // 地区: A has 2 spans, B has 3, one exact match: F1 = 2·(1/3·1/2)/(1/3+1/2) = 0.4.
    assert.ok(Math.abs(Number(row.f1Exact) - 0.4) < 1e-9, row.f1Exact);
    // Overlapping: both of A's overlap B's, 2 of B's 3 overlap A's.
    assert.ok(Math.abs(Number(row.f1Overlap) - 0.8) < 1e-9, row.f1Overlap);
    const [dl] = await Promise.all([a.waitForEvent('download'), a.click('[data-action="export-agreement"]')]);
    const dir = join(ROOT, 'target', 'downloads', 'sync');
    await mkdir(dir, { recursive: true });
    const csv = join(dir, dl.suggestedFilename());
    await dl.saveAs(csv);
    const reference = JSON.parse(
      execFileSync(PYTHON, ['-c', `
import csv, json, sys
from collections import defaultdict
from sklearn.metrics import cohen_kappa_score
labels = defaultdict(lambda: ([], []))
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    for r in csv.DictReader(f):
        labels[r["tag"]][0].append(int(r["a"])); labels[r["tag"]][1].append(int(r["b"]))
print(json.dumps({t: cohen_kappa_score(a, b) for t, (a, b) in labels.items()}))
`, csv], { encoding: 'utf8' }),
    );
    for (const tag of ['地区', '制度']) {
      const shown = await a.$eval(`[data-agreement-tag="${tag}"]`, (r) => Number(r.dataset.kappa));
      assert.ok(Math.abs(shown - reference[tag]) < 1e-9, `${tag}: ${shown} vs scikit-learn ${reference[tag]}`);
    }
    await screenshot(a, 'sync-agreement');
    // A disagreement shows its annotation in the text.
    const target = await a.getAttribute('[data-disagreement]', 'data-disagreement');
    await a.click('[data-disagreement]');
    await a.waitForSelector(`[data-entry="${target}"].selected`);
    assert.equal(await a.$('[data-dialog="agreement"]'), null);
    // The annotator filter shows one annotator's annotations.
    await a.click(`[data-filter-creator="${BO.display}"]`);
    assert.equal((await ids(a)).length, 3);
    await a.context().close();
    await b.context().close();
  } finally {
    await couch.close();
  }
});

test('tabs of one browser: one syncs for all, and another takes over when it closes', async () => {
  const couch = await startCouch();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const first = await openTab(context, app.url);
    const second = await openTab(context, app.url);
    await startSync(first, couch, ANNA);
    await waitForStatus(first, 'synced');
    // The second tab joins and shows the first one's state.
    await waitForStatus(second, 'synced');
    assert.match(await second.evaluate(() => document.querySelector('[data-action="sync"]').title), /另一个标签页/);
    // An edit in the second tab goes out through the first.
    await tagPassage(second, '推动成渝地区双城经济圈建设', 0, 3, '地区');
    const onServer = async () =>
      (await couch.admin('GET', `${couch.database}/_all_docs?startkey="annotation:"&endkey="annotation:\ufff0"`)).body.rows.length;
    for (let i = 0; i < 100 && (await onServer()) < 1; i++) await new Promise((ok) => setTimeout(ok, 100));
    assert.equal(await onServer(), 1);
    // The first tab closes: the second syncs from now on.
    await first.close();
    const other = await syncing(couch, BO);
    await waitForEntries(other, 1);
    await tagPassage(other, '加快建设西部陆海新通道', 2, 5, '通道');
    await waitForEntries(second, 2, 30_000);
    assert.deepEqual(unexpected(second.errors), []);
    await context.close();
    await other.context().close();
  } finally {
    await couch.close();
  }
});

test('a wrong password and an unreachable server are explained and change nothing', async () => {
  const couch = await startCouch();
  try {
    const a = await profile();
    await tagPassage(a, '推动成渝地区双城经济圈建设', 0, 3, '地区');
    const before = await stored(a);
    await startSync(a, couch, ANNA, { password: 'wrong' });
    await waitForStatus(a, 'error');
    const wrong = await a.textContent('[data-sync-message]');
    assert.match(wrong, /密码不对/);
    await screenshot(a, 'sync-wrong-password');
    // The password is nowhere in storage.
    assert.ok(!(await a.evaluate(() => JSON.stringify(localStorage))).includes('wrong'));

    const closed = await startCouch();
    const deadUrl = closed.url;
    await closed.close();
    await startSync(a, { url: deadUrl, database: couch.database }, ANNA);
    await waitForMessage(a, '连不上');
    assert.equal(await a.getAttribute('#app', 'data-sync-status'), 'error');
    // A server that answers but sends no CORS headers (a static server on
    // another port): CORS is named, with the setting to change.
    const noCors = await serveDir();
    await startSync(a, { url: noCors.url.replace(/\/$/, ''), database: couch.database }, ANNA);
    await waitForMessage(a, 'CORS');
    await screenshot(a, 'sync-cors');
    assert.equal(await a.getAttribute('#app', 'data-sync-status'), 'error');
    await noCors.close();
    assert.deepEqual(await stored(a), before);
    assert.equal((await ids(a)).length, 1);
    await a.context().close();
  } finally {
    await couch.close();
  }
});
