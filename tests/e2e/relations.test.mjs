// Relations: made from the keyboard (R, J, Enter, a label, Enter) and with
// the mouse (连线, a click on the other highlight), drawn as arcs, listed
// under both ends, undone, deleted with their annotation in one step, kept
// over a reload, and exported (W3C linking annotations that pass the
// suite's MUSTs; doccano and brat read back by their readers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, withAppServer, openApp, openText, projectFile, screenshot } from './support.mjs';
import { mustAssertions, failedMusts } from './w3c.mjs';

const app = withAppServer();
const PYTHON = process.env.READERS_PYTHON ?? join(ROOT, 'target', 'readers-venv', 'bin', 'python');
const TEXT = '关系测试\n\n张三在北京创办了一家公司。\n\n后来李四去了上海，加入了张三的公司。\n';
const MADE = [
  ['张三', ['人物'], ''],
  ['北京', ['地点'], ''],
  ['公司', ['机构'], ''],
  ['李四', ['人物'], ''],
  ['上海', ['地点'], ''],
];
const ID = (i) => `0a0a0a0a-0000-4000-8000-${String(i).padStart(12, '0')}`;

const relations = (page) => page.$$eval('[data-relation]', (els) => els.map((e) => ({ id: e.dataset.relation, label: e.textContent })));
const waitRelations = (page, n) => page.waitForFunction((n) => document.querySelectorAll('[data-relation]').length === n, n);

async function download(page, action) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`[data-action="${action}"]`)]);
  const dir = join(ROOT, 'target', 'downloads', 'relations');
  await mkdir(dir, { recursive: true });
  const path = join(dir, dl.suggestedFilename());
  await dl.saveAs(path);
  return path;
}

test('relations by keyboard and by mouse: drawn, listed, undone, deleted with an end, kept, exported', async () => {
  const page = await openApp(app.browser, app.server.url);
  await openText(page, '关系测试.txt', TEXT);
  await page.setInputFiles('[data-action="import"]', { name: 'made.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(projectFile(TEXT, MADE))) });
  await page.click('[data-action="import-merge"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-annotation]').length >= 5);

  // Keyboard: J selects 张三; R; J picks the next annotation (北京); Enter
  // opens the label field with focus; a label and Enter make the relation.
  await page.click('[data-kind="title"]');
  await page.keyboard.press('j');
  await page.keyboard.press('r');
  await page.waitForSelector('[data-linking]');
  await page.keyboard.press('j');
  await page.waitForSelector('[data-relation-preview]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-popup="relation"]');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.relationLabel), '');
  await page.keyboard.type('位于');
  await page.keyboard.press('Enter');
  await waitRelations(page, 1);
  assert.deepEqual((await relations(page)).map((r) => r.label), ['位于']);

  // Mouse: 连线 on 李四's entry, then a click on the highlight 公司 (the second one).
  await page.click(`[data-entry="${ID(3)}"] [data-action="link-annotation"]`);
  await page.waitForSelector('[data-linking]');
  await page.click(`[data-annotation="${ID(2)}"]`);
  await page.waitForSelector('[data-popup="relation"]');
  await page.keyboard.type('加入');
  await page.keyboard.press('Enter');
  await waitRelations(page, 2);
  // Listed under both ends.
  assert.equal(await page.$$eval(`[data-entry="${ID(3)}"] [data-relation-entry]`, (e) => e.length), 1);
  assert.equal(await page.$$eval(`[data-entry="${ID(2)}"] [data-relation-entry]`, (e) => e.length), 1);
  // Arcs rise above the text between their two highlights.
  const arc = await page.$eval('[data-relation] path', (p) => {
    const box = p.getBBox();
    return { width: box.width, height: box.height };
  });
  assert.ok(arc.width > 20 && arc.height > 5, JSON.stringify(arc));
  await screenshot(page, 'relations-arcs');

  // Undo and redo the second relation.
  await page.keyboard.press('Control+z');
  await waitRelations(page, 1);
  await page.keyboard.press('Control+y');
  await waitRelations(page, 2);

  // Deleting 张三 takes its relation, says so, and one undo brings both back.
  await page.click(`[data-entry="${ID(0)}"] [data-action="delete-annotation"]`);
  await waitRelations(page, 1);
  assert.match(await page.textContent('[data-message]'), /1 条关系/);
  await page.keyboard.press('Control+z');
  await waitRelations(page, 2);

  // Kept over a reload.
  await page.reload();
  await page.waitForSelector('#app[data-segmentation="ready"]');
  await waitRelations(page, 2);
  assert.deepEqual((await relations(page)).map((r) => r.label).sort(), ['位于', '加入']);

  // W3C: linking annotations whose targets are the two annotations' IRIs.
  const w3cPath = await download(page, 'export-w3c');
  const collection = JSON.parse(await readFile(w3cPath, 'utf8'));
  const links = collection.first.items.filter((i) => i.motivation === 'linking');
  assert.equal(links.length, 2);
  const musts = mustAssertions();
  for (const item of collection.first.items) {
    assert.deepEqual(failedMusts(musts, { '@context': collection['@context'], ...item }), [], item.id);
  }
  assert.ok(links.every((l) => l.target.length === 2 && l.target.every((t) => t.startsWith('urn:uuid:'))));

  // doccano (pandas) and brat (pybrat) carry both relations.
  const read = (format, path) => JSON.parse(execFileSync(PYTHON, [join(ROOT, 'tests', 'readers', 'read_back.py'), format, path], { encoding: 'utf8' }));
  const doccano = read('doccano', await download(page, 'export-doccano'));
  assert.deepEqual(doccano.relations.map((r) => r.type).sort(), ['位于', '加入']);
  const brat = read('brat', await download(page, 'export-brat'));
  assert.deepEqual(brat.relations.map((r) => `${r.arg1} ${r.type} ${r.arg2}`).sort(), ['张三 位于 北京', '李四 加入 公司']);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
