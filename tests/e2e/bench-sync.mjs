// Sync through pouchdb-server (npm, 127.0.0.1), two figures:
// 1. 5,000 annotations to an empty replica: profile A imports them and
//    pushes; profile B, empty, starts syncing and is timed from the start
//    button to all 5,000 listed. Reference, same run: PouchDB's own
//    replicator (pouchdb-replication 7.3.1 in node, memory adapter)
//    pulling the same database into an empty database.
// 2. Steady state: Enter in profile A to the highlight in profile B, ten
//    times. Reference: two PouchDB live syncs (node) through the same
//    server, from put() in one to the change event in the other.
// Prints a table and JSON. Usage: node tests/e2e/bench-sync.mjs
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveDir, launchBrowser, openTab, annotationsFile, importServedFile, charPoint, dragSelect, ROOT } from './support.mjs';
import { startCouch, startSync, waitForStatus, USERS } from './couch.mjs';

const require = createRequire(import.meta.url);
const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-memory'))
  .plugin(require('pouchdb-adapter-http'))
  .plugin(require('pouchdb-replication'));

const ANNOTATIONS = 5000;
const ROUNDS = 10;
const OUT = join(ROOT, 'target', 'bench');
mkdirSync(OUT, { recursive: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const couch = await startCouch();
const server = await serveDir(undefined, { '/bench/': OUT });
const browser = await launchBrowser();
const profile = async () => openTab(await browser.newContext({ viewport: { width: 1280, height: 900 } }), server.url);
const listed = (page) => page.$eval('.annotations h3 .hint', (e) => parseInt(e.textContent, 10));

// A: the annotations, imported, then pushed.
const a = await profile();
const [paragraphs, offsets] = await a.$$eval('[data-kind="paragraph"]', (els) => [els.map((e) => e.textContent), els.map((e) => Number(e.dataset.offset))]);
writeFileSync(join(OUT, 'sync.json'), JSON.stringify(annotationsFile(paragraphs, ANNOTATIONS, offsets)));
await importServedFile(a, 'sync.json');
await a.click('[data-action="import-merge"]', { timeout: 300_000 });
await a.waitForFunction((n) => parseInt(document.querySelector('.annotations h3 .hint')?.textContent, 10) >= n, ANNOTATIONS, { timeout: 300_000 });
let t0 = Date.now();
await startSync(a, couch, USERS[0]);
await waitForStatus(a, 'synced', 600_000);
const pushMs = Date.now() - t0;
await a.keyboard.press('Escape');
const docs = (await couch.admin('GET', couch.database)).body.doc_count;

// B: empty, pulls everything.
const b = await profile();
t0 = Date.now();
await startSync(b, couch, USERS[1]);
await b.waitForFunction((n) => parseInt(document.querySelector('.annotations h3 .hint')?.textContent, 10) >= n, ANNOTATIONS, { timeout: 600_000, polling: 100 });
const pullMs = Date.now() - t0;
await waitForStatus(b, 'synced', 600_000);
await b.keyboard.press('Escape');

// Reference: PouchDB's replicator into an empty database.
const remote = new PouchDB(`${couch.url}/${couch.database}`, { auth: { username: USERS[1].name, password: USERS[1].password } });
const empty = new PouchDB('bench-empty', { adapter: 'memory' });
t0 = Date.now();
await PouchDB.replicate(remote, empty, { batch_size: 500 });
const pouchPullMs = Date.now() - t0;
await empty.destroy();

// Steady state: Enter in A, highlight in B.
const phrases = ['推动成渝地区双城经济圈建设', '加快建设西部陆海新通道', '全面建成社会主义现代化强国', '为做好重庆工作提供了政治指引', '以中国式现代化全面推进中华民族伟大复兴'];
const ours = [];
for (let i = 0; i < ROUNDS; i++) {
  const phrase = phrases[i % phrases.length];
  const before = await listed(b);
  await a.evaluate(() => getSelection().removeAllRanges());
  await dragSelect(a, await charPoint(a, phrase, 0 + (i % 3), 'left'), await charPoint(a, phrase, 4 + (i % 3), 'right'));
  await a.waitForSelector('[data-popup="tag"]');
  await a.keyboard.type(`延迟${i}`);
  const start = Date.now();
  await a.keyboard.press('Enter');
  await b.waitForFunction((n) => parseInt(document.querySelector('.annotations h3 .hint')?.textContent, 10) > n, before, { timeout: 60_000, polling: 'raf' });
  ours.push(Date.now() - start);
}

// Reference: two PouchDB live syncs through the same server.
const left = new PouchDB('bench-left', { adapter: 'memory' });
const right = new PouchDB('bench-right', { adapter: 'memory' });
const opts = { live: true, retry: true };
const syncs = [PouchDB.sync(left, remote, opts), PouchDB.sync(right, new PouchDB(`${couch.url}/${couch.database}`, { auth: { username: USERS[0].name, password: USERS[0].password } }), opts)];
await new Promise((ok) => setTimeout(ok, 15_000)); // both caught up with the 5,000
const theirs = [];
for (let i = 0; i < ROUNDS; i++) {
  const id = `bench:${i}`;
  const arrived = new Promise((ok) => {
    const feed = right.changes({ since: 'now', live: true }).on('change', (c) => {
      if (c.id === id) {
        feed.cancel();
        ok();
      }
    });
  });
  const start = Date.now();
  await left.put({ _id: id, n: i });
  await arrived;
  theirs.push(Date.now() - start);
}
syncs.forEach((s) => s.cancel());

const rows = [
  { measure: `${ANNOTATIONS} annotations → empty replica`, ours_ms: pullMs, pouchdb_ms: pouchPullMs, ratio: +(pullMs / pouchPullMs).toFixed(2) },
  { measure: 'Enter in A → highlight in B (median)', ours_ms: median(ours), pouchdb_ms: median(theirs), ratio: +(median(ours) / median(theirs)).toFixed(2) },
  { measure: 'Enter in A → highlight in B (slowest)', ours_ms: Math.max(...ours), pouchdb_ms: Math.max(...theirs), ratio: +(Math.max(...ours) / Math.max(...theirs)).toFixed(2) },
  { measure: `push of ${ANNOTATIONS} from A (sync-start → synced)`, ours_ms: pushMs, pouchdb_ms: null, ratio: null },
];
console.table(rows);
console.log(JSON.stringify({ server_docs: docs, rows, latencies_ms: { ours, pouchdb: theirs } }));
await browser.close();
await server.close();
await couch.close();
process.exit(0);
