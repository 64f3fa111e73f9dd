// Statistics: charts (SVG) of the counts per tag and relation label, per
// section and over the library, the most annotated words, a CSV that
// Python's csv module reads, and the density strip that jumps on click.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, withAppServer, openApp, openText, projectFile, screenshot, numberedParagraphs } from './support.mjs';

const app = withAppServer();
const PYTHON = process.env.READERS_PYTHON ?? join(ROOT, 'target', 'readers-venv', 'bin', 'python');

const TEXT = '统计测试\n\n一、北方\n\n北京是首都。天津在北京旁边。\n\n二、南方\n\n上海很大。\n';
const MADE = [
  ['北京', ['地点'], ''],
  ['天津', ['地点'], ''],
  ['北京旁边', ['方位'], ''],
  ['上海', ['地点', '城市'], ''],
];

test('statistics: charts per tag, section and library, top words, CSV; the density strip jumps', async () => {
  const page = await openApp(app.browser, app.server.url);
  await openText(page, '统计测试.txt', TEXT);
  await page.setInputFiles('[data-action="import"]', { name: 'made.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(projectFile(TEXT, MADE))) });
  await page.click('[data-action="import-merge"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-entry]').length === 4);

  await page.click('[data-action="statistics"]');
  const dialog = await page.waitForSelector('[data-dialog="statistics"]');
  const bars = await dialog.$$eval('svg.bar-chart:first-of-type [data-bar]', (g) => g.map((b) => `${b.dataset.bar} ${b.querySelector('.bar-count').textContent}`));
  assert.deepEqual(bars, ['地点 3', '方位 1', '城市 1']);
  const text = await dialog.textContent();
  assert.match(text, /一、北方/);
  assert.match(text, /二、南方/);
  assert.match(text, /地点上海（1）、北京（1）、天津（1）/);
  assert.match(text, /方位北京（1）、旁边（1）/);
  await screenshot(page, 'statistics');

  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-action="export-statistics"]')]);
  const dir = join(ROOT, 'target', 'downloads', 'statistics');
  await mkdir(dir, { recursive: true });
  const path = join(dir, dl.suggestedFilename());
  await dl.saveAs(path);
  assert.match(dl.suggestedFilename(), /^统计测试-统计-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = JSON.parse(execFileSync(PYTHON, [join(ROOT, 'tests', 'readers', 'read_back.py'), 'csv', path], { encoding: 'utf8' }));
  assert.ok(csv.bom);
  const row = (what, scope, name) => csv.rows.find((r) => r['统计'] === what && r['范围'] === scope && r['名称'] === name)?.['数量'];
  assert.equal(row('标签', '本文档', '地点'), '3');
  assert.equal(row('标签', '章节：一、北方', '地点'), '2');
  assert.equal(row('标签', '全文库', '地点'), '3');
  assert.equal(row('高频词', '地点', '北京'), '1');
  assert.equal(row('高频词', '方位', '旁边'), '1');
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-dialog="statistics"]', { state: 'detached' });
  await page.context().close();
});

test('the density strip jumps to where the annotations are in a long text', async () => {
  const page = await openApp(app.browser, app.server.url);
  const text = numberedParagraphs('长文统计', '这是一段用来测试分布条的文字，', 60_000);
  await openText(page, '长文统计.txt', text);
  // One annotation near the end.
  const quote = '第 800 段';
  await page.setInputFiles('[data-action="import"]', { name: 'end.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(projectFile(text, [[quote, ['末尾'], '']]))) });
  await page.click('[data-action="import-merge"]');
  const strip = await page.waitForSelector('[data-density]');
  const mark = await strip.$eval('rect', (r) => r.getBoundingClientRect().toJSON());
  await page.mouse.click(mark.left + mark.width / 2, mark.top + mark.height / 2);
  await page.waitForFunction((q) => {
    const el = [...document.querySelectorAll('[data-block]')].find((b) => b.textContent.includes(q));
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < innerHeight;
  }, quote);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
