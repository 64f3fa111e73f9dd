// Exports in the NLP formats, each read back by that format's own reference
// reader (Python packages from PyPI, in the virtualenv scripts/test makes),
// on a text with characters outside the BMP; then imports of doccano,
// Label Studio and brat files, and a bad file that changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, withAppServer, openApp, openText, projectFile, screenshot } from './support.mjs';

const app = withAppServer();
const PYTHON = process.env.READERS_PYTHON ?? join(ROOT, 'target', 'readers-venv', 'bin', 'python');
const DOWNLOADS = join(ROOT, 'target', 'downloads', 'formats');

// 𠮶 and 😀 are outside the BMP: one code point, two UTF-16 units.
const TEXT = '墨注导出测试\n\n张三😀在北京工作。𠮶字很少见，李四去了上海。\n\n第二段：王五和赵六在成都见面！\n';
const cp = (s) => [...s].length;
const at = (needle) => cp(TEXT.slice(0, TEXT.indexOf(needle)));

// (quote, tags, note)
const MADE = [
  ['张三', ['人物'], '主角'],
  ['北京', ['地点'], ''],
  ['𠮶字', ['生僻字'], '"引号", 逗号\n和换行'],
  ['李四去了上海', ['事件'], ''],
  ['上海', ['地点'], ''],
  ['成都', ['地点', '城市'], ''],
];

async function download(page, action) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`[data-action="${action}"]`)]);
  await mkdir(DOWNLOADS, { recursive: true });
  const path = join(DOWNLOADS, dl.suggestedFilename());
  await dl.saveAs(path);
  return { path, name: dl.suggestedFilename() };
}

function readBack(format, ...args) {
  return JSON.parse(execFileSync(PYTHON, [join(ROOT, 'tests', 'readers', 'read_back.py'), format, ...args], { encoding: 'utf8' }));
}

/** Every (start, end, label) the app holds: one per annotation and tag. */
const expected = () =>
  MADE.flatMap(([quote, tags]) => tags.map((label) => `${at(quote)}-${at(quote) + cp(quote)} ${label} ${quote}`)).sort();
const found = (spans) => spans.map((s) => `${s.start}-${s.end} ${s.label} ${s.text}`).sort();

async function openAnnotated(page) {
  await openText(page, '墨注导出测试.txt', TEXT);
  await page.setInputFiles('[data-action="import"]', { name: 'made.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(projectFile(TEXT, MADE))) });
  await page.click('[data-action="import-merge"]');
  await page.waitForFunction((n) => new Set([...document.querySelectorAll('[data-annotation]')].map((e) => e.dataset.annotation)).size === n, MADE.length);
}

test('every export is read back by its reference reader, astral characters counted as one', async () => {
  const page = await openApp(app.browser, app.server.url);
  await openAnnotated(page);
  const date = new Date().toISOString().slice(0, 10);

  // doccano JSONL: every tag an entity, offsets in code points.
  const doccano = await download(page, 'export-doccano');
  assert.match(doccano.name, new RegExp(`^墨注导出测试-doccano-${date}\\.jsonl$`));
  const d = readBack('doccano', doccano.path);
  assert.equal(d.text, TEXT);
  assert.deepEqual(found(d.spans), expected());

  // Label Studio: its own converter finds the regions, labels and notes.
  const ls = readBack('label-studio', (await download(page, 'export-label-studio')).path);
  assert.equal(ls.text, TEXT);
  assert.deepEqual(found(ls.spans), expected());
  assert.ok(JSON.stringify(ls.notes).includes('主角'), JSON.stringify(ls.notes));

  // brat: pybrat reads the zip's .txt and .ann; spaces in no type.
  const brat = await download(page, 'export-brat');
  assert.match(brat.name, /\.zip$/);
  const b = readBack('brat', brat.path);
  assert.equal(b.text, TEXT);
  assert.deepEqual(found(b.spans), expected());
  assert.ok(b.spans.every((s) => s.mention === s.text));
  assert.ok(b.notes.includes('主角'));

  // spaCy: Doc.from_json (validated) gives back the text; every passage is
  // in spans.sc; ents do not overlap, so 上海 inside 李四去了上海 is left out
  // there and the page says so.
  const spacy = readBack('spacy', (await download(page, 'export-spacy')).path);
  assert.equal(spacy.text, TEXT);
  for (const [quote, tags] of MADE) {
    for (const label of tags) {
      assert.ok(
        spacy.spans.some((s) => s.label === label && s.start <= at(quote) && s.end >= at(quote) + cp(quote)),
        `${quote} ${label} in spans.sc`,
      );
    }
  }
  assert.ok(spacy.ents.length >= 4 && spacy.ents.length < expected().length, JSON.stringify(spacy.ents));
  await page.waitForSelector('[role="status"].message, .message', { timeout: 5000 }).catch(() => {});
  assert.match(await page.textContent('body'), /重叠/);

  // CSV: Python's csv module; BOM, quotes, commas and line breaks intact.
  const c = readBack('csv', (await download(page, 'export-csv')).path);
  assert.ok(c.bom);
  assert.equal(c.rows.length, MADE.length);
  const rare = c.rows.find((r) => r.quote === '𠮶字');
  assert.equal(rare.note, '"引号", 逗号\n和换行');
  assert.equal(Number(rare.start), at('𠮶字'));
  assert.equal(rare.paragraph, '2');
  assert.equal(c.rows.find((r) => r.quote === '成都').tags, '地点;城市');

  // CoNLL by character, BIO then BIOES: NLTK reads the columns, seqeval's
  // strict decoder the tags. Tags are written in the tag list's order, so
  // 地点 (listed before 事件) keeps 上海 and 李四去了上海 is reported.
  await page.click('[data-action="conll-options"]');
  await page.check('[data-conll-unit="characters"]');
  const textPath = join(DOWNLOADS, 'text.txt');
  await writeFile(textPath, TEXT);
  for (const scheme of ['BIO', 'BIOES']) {
    await page.check(`[data-conll-scheme="${scheme.toLowerCase()}"]`);
    const conll = await download(page, 'export-conll');
    assert.match(conll.name, new RegExp(`-${scheme}-${date}\\.conll$`));
    const raw = await readFile(conll.path, 'utf8');
    assert.ok(raw.includes('𠮶 B-生僻字\n字 ' + (scheme === 'BIO' ? 'I' : 'E') + '-生僻字\n'), raw);
    const r = readBack('conll', conll.path, textPath, scheme);
    assert.equal(r.sentences, 4); // the title, two sentences, the last paragraph
    const single = MADE.filter(([q]) => q !== '李四去了上海').map(([quote, tags]) => `${at(quote)}-${at(quote) + cp(quote)} ${tags[0]} ${quote}`);
    assert.deepEqual(found(r.spans), single.sort());
  }
  assert.match(await page.textContent('body'), /李四去了上海/);

  // By word (jieba): every kept span covers its annotation.
  await page.check('[data-conll-unit="words"]');
  const words = readBack('conll', (await download(page, 'export-conll')).path, textPath, 'BIOES');
  assert.ok(words.tokens < cp(TEXT) - 10, `${words.tokens} tokens`);
  for (const [quote, tags] of MADE.filter(([q]) => q !== '李四去了上海')) {
    assert.ok(words.spans.some((s) => s.label === tags[0] && s.start <= at(quote) && s.end >= at(quote) + cp(quote)), quote);
  }
  await screenshot(page, 'formats-conll-options');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('doccano, Label Studio and brat files import onto the open text; a bad one changes nothing', async () => {
  const page = await openApp(app.browser, app.server.url);
  await openAnnotated(page);
  const files = {};
  for (const action of ['export-doccano', 'export-label-studio', 'export-brat']) {
    const { path, name } = await download(page, action);
    files[action] = { name, buffer: await readFile(path) };
  }
  // A fresh profile with the same text: each file brings the annotations back.
  for (const action of Object.keys(files)) {
    const fresh = await openApp(app.browser, app.server.url);
    await openText(fresh, '墨注导出测试.txt', TEXT);
    await fresh.setInputFiles('[data-action="import"]', { ...files[action], mimeType: 'application/octet-stream' });
    await fresh.waitForSelector('[data-action="import-merge"]');
    await fresh.click('[data-action="import-merge"]');
    await fresh.waitForFunction((n) => new Set([...document.querySelectorAll('[data-annotation]')].map((e) => e.dataset.annotation)).size === n, MADE.length);
    // An annotation drawn in pieces (around one inside it) repeats its id.
    const quotes = await fresh.$$eval('[data-annotation]', (els) => {
      const byId = new Map();
      for (const e of els) if (!e.parentElement.closest(`[data-annotation="${e.dataset.annotation}"]`)) byId.set(e.dataset.annotation, (byId.get(e.dataset.annotation) ?? '') + e.textContent);
      return [...byId.values()];
    });
    assert.deepEqual(quotes.sort(), MADE.map(([q]) => q).sort(), action);
    assert.deepEqual(fresh.errors, []);
    await fresh.context().close();
  }

  // Out of range on line 1: refused whole, with the line and the reason.
  const before = await page.$$eval('[data-annotation]', (els) => els.length);
  const bad = `${JSON.stringify({ text: TEXT, entities: [{ id: 1, label: '人物', start_offset: 0, end_offset: 999 }] })}\n`;
  await page.setInputFiles('[data-action="import"]', { name: 'bad.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(bad) });
  await page.waitForFunction(() => document.body.textContent.includes('第 1 行'));
  assert.match(await page.textContent('body'), /没有做任何改动/);
  assert.equal(await page.$$eval('[data-annotation]', (els) => els.length), before);

  // A text the library does not have: offered as a new document.
  const other = `${JSON.stringify({ text: '另一篇\n\n赵钱孙李在杭州。\n', label: [[5, 9, '人物'], [10, 12, '地点']] })}\n`;
  await page.setInputFiles('[data-action="import"]', { name: '另一篇.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(other) });
  await page.click('[data-action="import-new-document"]');
  await page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('另一篇'));
  await page.waitForFunction(() => document.querySelectorAll('[data-annotation]').length >= 2);
  const quotes = await page.$$eval('[data-annotation]', (els) => els.map((e) => e.textContent));
  assert.deepEqual(quotes.sort(), ['杭州', '赵钱孙李']);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
