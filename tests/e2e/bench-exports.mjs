// Exports of a 1 MB text with 5,000 annotations and 1,000 relations: each
// format timed from the click to the download (the app builds the file in
// the page), with the longest main-thread task; beside it, the reference:
// Label Studio's own converter making CoNLL 2003 from the same annotations
// (our Label Studio export), timed in Python in the same run.
// Prints a table and JSON. Usage: node tests/e2e/bench-exports.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { serveDir, launchBrowser, newPage, waitForSegmentation, annotationsFile, importServedFile, numberedParagraphs, ROOT } from './support.mjs';

const PARAGRAPH = '　　这是一段用来测试导出速度的中文文字，包含标点、数字 2026 和 English words，长度与新闻稿的段落相近。';
const ANNOTATIONS = 5000;
const RELATIONS = 1000;
const PYTHON = process.env.READERS_PYTHON ?? join(ROOT, 'target', 'readers-venv', 'bin', 'python');
const OUT = join(ROOT, 'target', 'bench');
mkdirSync(OUT, { recursive: true });

const server = await serveDir(undefined, { '/bench/': OUT });
const browser = await launchBrowser();
const page = await newPage(browser);
await page.goto(server.url);
await waitForSegmentation(page);
const before = await page.getAttribute('#app', 'data-document');
await page.setInputFiles('[data-action="open-document"]', { name: '导出测速.txt', mimeType: 'text/plain', buffer: Buffer.from(numberedParagraphs('导出测速', PARAGRAPH, 1_048_576)) });
await page.waitForFunction((old) => document.querySelector('#app')?.dataset.document !== old, before, { timeout: 120_000 });
await waitForSegmentation(page);

const [paragraphs, offsets] = await page.$$eval('[data-kind="paragraph"]', (els) => [els.map((e) => e.textContent), els.map((e) => Number(e.dataset.offset))]);
const file = annotationsFile(paragraphs, ANNOTATIONS, offsets);
for (let i = 0; i < RELATIONS; i++) {
  file.annotations.push({
    id: `0d0d0d0d-0000-4000-8000-${String(i).padStart(12, '0')}`,
    created: '2026-11-30T10:00:00Z',
    modified: '2026-11-30T10:00:00Z',
    tags: [`关系${i % 3}`],
    target: { type: 'relation', from: file.annotations[i * 4].id, to: file.annotations[i * 4 + 1].id },
  });
}
writeFileSync(join(OUT, 'exports.json'), JSON.stringify(file));
await importServedFile(page, 'exports.json');
await page.click('[data-action="import-merge"]', { timeout: 300_000 });
await page.waitForFunction((n) => new Set([...document.querySelectorAll('mark[data-annotation]')].map((m) => m.dataset.annotation)).size >= n, ANNOTATIONS, { timeout: 300_000 });
await page.evaluate(() => {
  window.__longest = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
  }).observe({ type: 'longtask' });
});

const rows = [];
const files = {};
for (const action of ['export-json', 'export-w3c', 'export-conll', 'export-doccano', 'export-label-studio', 'export-brat', 'export-spacy', 'export-csv']) {
  const times = [];
  let longest = 0;
  for (let round = 0; round < 3; round++) {
    await page.evaluate(() => (window.__longest = 0));
    const t0 = Date.now();
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`[data-action="${action}"]`)]);
    times.push(Date.now() - t0);
    const path = join(OUT, dl.suggestedFilename());
    await dl.saveAs(path);
    files[action] = path;
    await page.waitForTimeout(300);
    longest = Math.max(longest, await page.evaluate(() => window.__longest));
  }
  times.sort((a, b) => a - b);
  rows.push({ export: action.replace('export-', ''), median_ms: times[1], longest_task_ms: Math.round(longest), bytes: statSync(files[action]).size });
}
await browser.close();
await server.close();

// The reference: Label Studio's converter, CoNLL 2003 from our Label Studio file.
const reference = JSON.parse(
  execFileSync(
    PYTHON,
    [
      '-c',
      `
import json, sys, tempfile, time
from label_studio_converter import Converter
tasks = json.load(open(sys.argv[1], encoding="utf-8"))
labels = sorted({l for t in tasks for a in t["annotations"] for r in a["result"] if r["type"] == "labels" for l in r["value"]["labels"]})
config = '<View><Labels name="label" toName="text">' + "".join(f'<Label value="{l}"/>' for l in labels) + '</Labels><Text name="text" value="$text"/></View>'
times = []
for _ in range(3):
    out = tempfile.mkdtemp()
    t0 = time.perf_counter()
    Converter(config, out, download_resources=False).convert_to_conll2003(sys.argv[1], out, is_dir=False)
    times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"median_ms": sorted(times)[1]}))
`,
      files['export-label-studio'],
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  ),
);
const conll = rows.find((r) => r.export === 'conll');
console.log(`1 MB text, ${ANNOTATIONS} annotations, ${RELATIONS} relations; click to download, median of 3\n`);
console.log('| export | median | longest task | file |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.export} | ${r.median_ms} ms | ${r.longest_task_ms} ms | ${(r.bytes / 1e6).toFixed(2)} MB |`);
console.log(`\nreference: Label Studio's converter, CoNLL 2003 from the same annotations: ${Math.round(reference.median_ms)} ms; ours (in the page, to the download): ${conll.median_ms} ms; ratio ${(conll.median_ms / reference.median_ms).toFixed(2)}`);
console.log(JSON.stringify({ rows, reference }));
