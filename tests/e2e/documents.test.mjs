// Your own documents: add by paste (plain and a web page's rich text), by
// file (UTF-8, GB18030, Big5 chosen by the person, Markdown, Word) and by
// drop; annotate; switch and come back; reload on the URL; delete and
// restore; replace the text with a new version; back up the library and
// restore it in a fresh browser profile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { withAppServer, openTab, tagPassage, waitForSegmentation, screenshot, ROOT } from './support.mjs';

const app = withAppServer();

const SEED_TITLE = '在新时代新征程全面建设现代化新重庆';

// A Chinese e-text hard-wrapped at 30 characters, paragraphs marked by
// full-width indentation.
const P1 = '这是一篇用来测试的文章，第一段写得很长，被编辑器在固定的宽度处折行，所以同一句话分在了好几行上，读的时候应当连成一段，中间不能多出空格。';
const P2 = '第二段同样被折行，段首有两个全角空格作为缩进，这是旧式纯文本分段的标志，后面的行没有缩进，是同一段的延续，直到下一个缩进为止，再多写几句凑够长度。';
const wrap = (p) => '\u3000\u3000' + [...p].reduce((lines, c, i) => (i % 30 === 0 ? lines.push(c) : (lines[lines.length - 1] += c), lines), []).join('\n');
const WRAPPED = `折行的文本\n\n${wrap(P1)}\n${wrap(P2)}\n`;

const docOf = (page) => page.getAttribute('#app', 'data-document');
const blockTexts = (page) => page.$$eval('[data-block]', (els) => els.map((e) => [e.dataset.kind, e.innerText]));
const highlights = (page) => page.$$eval('mark[data-annotation]', (els) => els.map((e) => e.textContent).join('|'));

async function waitForDocument(page, notSha) {
  await page.waitForFunction((old) => {
    const d = document.querySelector('#app')?.dataset.document;
    return d && d !== old && location.hash === `#/doc/${d}`;
  }, notSha);
  await waitForSegmentation(page);
  return docOf(page);
}

async function pasteDocument(page, text, html) {
  const before = await docOf(page);
  await page.click('[data-action="new-document"]');
  await page.waitForSelector('[data-action="paste-document"]');
  await page.fill('[data-action="paste-document"]', text);
  if (html) {
    // What a browser delivers when rich text is pasted from a web page.
    await page.$eval('[data-action="paste-document"]', (el, { text, html }) => {
      const data = new DataTransfer();
      data.setData('text/plain', text);
      data.setData('text/html', html);
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
    }, { text, html });
  }
  await page.click('[data-action="add-document"]');
  return waitForDocument(page, before);
}

async function openFile(page, name, buffer) {
  const before = await docOf(page);
  await page.setInputFiles('[data-action="open-document"]', { name, mimeType: 'application/octet-stream', buffer });
  return waitForDocument(page, before);
}

async function openLibrary(page) {
  await page.click('[data-action="library"]');
  await page.waitForSelector('[data-dialog="library"]');
}

async function download(page, action) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`[data-action="${action}"]`)]);
  const dir = join(ROOT, 'target', 'downloads');
  await mkdir(dir, { recursive: true });
  const path = join(dir, dl.suggestedFilename());
  await dl.saveAs(path);
  return path;
}

const gb18030 = (text) => execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: text });
const big5 = (text) => execFileSync('iconv', ['-f', 'UTF-8', '-t', 'BIG5'], { input: text });

function docx(paragraphs) {
  const script = `
import sys, zipfile, io, json
paras = json.loads(sys.argv[1])
body = ''.join('<w:p>' + (f'<w:pPr><w:pStyle w:val="{s}"/></w:pPr>' if s else '') + f'<w:r><w:t>{t}</w:t></w:r></w:p>' for s, t in paras)
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
buf = io.BytesIO()
with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('[Content_Types].xml', '<Types/>')
    z.writestr('word/document.xml', f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{body}</w:body></w:document>')
    z.writestr('word/styles.xml', f'<w:styles {W}><w:style w:styleId="1"><w:name w:val="heading 1"/></w:style><w:style w:styleId="a3"><w:name w:val="Title"/></w:style></w:styles>')
sys.stdout.buffer.write(buf.getvalue())
`;
  return execFileSync('python3', ['-c', script, JSON.stringify(paragraphs)]);
}

test('a pasted hard-wrapped text reads as flowing paragraphs, keeps its annotations across switching, back/forward and reload', async () => {
  const context = await app.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openTab(context, app.server.url);
  const seed = await docOf(page);
  assert.equal(new URL(page.url()).hash, `#/doc/${seed}`, 'the first visit names the seed in the URL');

  const sha = await pasteDocument(page, WRAPPED);
  assert.match(sha, /^[0-9a-f]{64}$/);
  const blocks = await blockTexts(page);
  assert.deepEqual(blocks.map((b) => b[0]), ['title', 'paragraph', 'paragraph']);
  assert.equal(blocks[1][1], P1, 'wrapped lines join with no space between Chinese characters');
  assert.equal(blocks[2][1], P2);

  await tagPassage(page, '第一段写得很长', 0, 6, '测试');
  // Across a hidden line break: the quote is the source text, break included.
  await tagPassage(page, '分在了好几行上', 0, 6, '折行');
  const marks = await highlights(page);
  assert.match(marks, /第一段写得很长/);
  await screenshot(page, 'documents-pasted');

  await openLibrary(page);
  await screenshot(page, 'documents-library');
  await page.click(`[data-dialog="library"] [data-document="${seed}"]`);
  await waitForDocument(page, sha);
  assert.equal(await page.textContent('[data-kind="title"]'), SEED_TITLE);

  await page.goBack();
  await waitForDocument(page, seed);
  assert.equal(await docOf(page), sha);
  await page.waitForSelector('mark[data-annotation]');
  assert.equal(await highlights(page), marks, 'back brings the document with its annotations');

  await page.reload();
  await waitForSegmentation(page);
  assert.equal(await docOf(page), sha, 'a reload opens the document in the URL');
  await page.waitForSelector('mark[data-annotation]');
  assert.equal(await highlights(page), marks);

  // The same text added again is the same document.
  assert.equal(await pasteDocumentAgain(page, WRAPPED), sha);
  assert.deepEqual(page.errors, []);
  await context.close();
});

async function pasteDocumentAgain(page, text) {
  await page.click('[data-action="new-document"]');
  await page.fill('[data-action="paste-document"]', text);
  await page.click('[data-action="add-document"]');
  await page.waitForSelector('[data-dialog="new-document"]', { state: 'detached' });
  await page.waitForSelector('[data-message]');
  return docOf(page);
}

test('rich text pasted from a web page keeps its headings; scripts and images are dropped', async () => {
  const context = await app.browser.newContext();
  const page = await openTab(context, app.server.url);
  const html = '<h1>网页标题</h1><p>第一段<b>正文</b>。<img src="x.png" alt="图"></p><script>alert(1)</script><h2>小节</h2><ul><li>一项</li><li>两项</li></ul>';
  await pasteDocument(page, '网页标题 第一段正文。 小节 一项 两项', html);
  assert.deepEqual(await blockTexts(page), [
    ['title', '网页标题'],
    ['paragraph', '第一段正文。'],
    ['heading', '小节'],
    ['paragraph', '一项'],
    ['paragraph', '两项'],
  ]);
  await context.close();
});

test('files: GB18030 text, Big5 corrected by the person with a preview, Markdown, Word, and a dropped file', async () => {
  const context = await app.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openTab(context, app.server.url);

  const gbText = '国标编码的文件\n\n这是用 GB18030 保存的简体中文文本，旧的 Windows 工具常这样保存。𠮶字也在。\n';
  await openFile(page, '国标.txt', gb18030(gbText));
  assert.deepEqual((await blockTexts(page)).map((b) => b[1]), ['国标编码的文件', '这是用 GB18030 保存的简体中文文本，旧的 Windows 工具常这样保存。𠮶字也在。']);
  assert.equal(await page.getAttribute('[data-encoding-notice]', 'data-encoding-notice'), 'gb18030');

  const b5Text = '繁體中文的文件\n\n這是用大五碼保存的繁體中文文本，臺灣與香港常用。\n';
  const misread = await openFile(page, '大五碼.txt', big5(b5Text));
  assert.notEqual(await page.textContent('[data-kind="title"]'), '繁體中文的文件', 'Big5 bytes read as GB18030 first');
  await page.click('[data-action="change-encoding"]');
  await page.selectOption('[data-action="encoding"]', 'big5');
  await page.waitForFunction(() => document.querySelector('[data-encoding-preview]')?.textContent.startsWith('繁體中文的文件'));
  await screenshot(page, 'documents-encoding');
  await page.click('[data-action="reopen-encoding"]');
  await waitForDocument(page, misread);
  assert.equal(await page.textContent('[data-kind="title"]'), '繁體中文的文件');

  await openFile(page, '笔记.md', Buffer.from('# 笔记标题\n\n正文有**加粗**和[链接](http://example.com)。\n\n## 第二节\n\n- 条目一\n- 条目二\n'));
  assert.deepEqual(await blockTexts(page), [
    ['title', '笔记标题'],
    ['paragraph', '正文有加粗和链接。'],
    ['heading', '第二节'],
    ['paragraph', '条目一'],
    ['paragraph', '条目二'],
  ]);

  await openFile(page, '报告.docx', docx([['a3', '报告标题'], ['', '报告正文第一段😀。'], ['1', '一、背景'], ['', '背景说明。']]));
  assert.deepEqual(await blockTexts(page), [
    ['title', '报告标题'],
    ['paragraph', '报告正文第一段😀。'],
    ['heading', '一、背景'],
    ['paragraph', '背景说明。'],
  ]);

  const before = await docOf(page);
  const dropped = await page.evaluateHandle(() => {
    const data = new DataTransfer();
    data.items.add(new File(['拖进来的文件\n\n拖放也能打开文档。\n'], '拖放.txt', { type: 'text/plain' }));
    return data;
  });
  await page.dispatchEvent('#app', 'drop', { dataTransfer: dropped });
  await waitForDocument(page, before);
  assert.equal(await page.textContent('[data-kind="title"]'), '拖进来的文件');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('broken and unsupported files get a message naming them, and nothing changes', async () => {
  const context = await app.browser.newContext();
  const page = await openTab(context, app.server.url);
  const url = page.url();
  const cases = [
    ['图片.png', Buffer.from([0x89, 0x50, 0x4e, 0x47]), /图片\.png.*\.png/],
    ['空.txt', Buffer.from('  \n\u3000\n'), /空\.txt.*没有文字/],
    ['坏的.docx', Buffer.from('PK not really a zip'), /坏的\.docx/],
    ['旧.doc', Buffer.from('x'), /旧\.doc.*\.docx/],
  ];
  for (const [name, buffer, message] of cases) {
    await page.setInputFiles('[data-action="open-document"]', { name, mimeType: 'application/octet-stream', buffer });
    await page.waitForSelector('[data-message]');
    assert.match(await page.textContent('[data-message]'), message);
    await page.click('[data-message] button');
    assert.equal(page.url(), url, `${name}: still on the same document`);
  }
  await page.click('[data-action="new-document"]');
  await page.click('[data-action="add-document"]');
  await page.waitForSelector('[data-document-error]');
  assert.match(await page.textContent('[data-document-error]'), /没有文字/);
  assert.equal(page.url(), url);
  await context.close();
});

test('delete asks first and goes to the trash; restore brings the document back; a new version keeps the annotations', async () => {
  const context = await app.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openTab(context, app.server.url);
  const sha = await pasteDocument(page, '会被删除的文档\n\n正文第一段，用来做标注。\n');
  await tagPassage(page, '正文第一段', 0, 4, '正文');
  const seed = await (async () => {
    await openLibrary(page);
    const shas = await page.$$eval('[data-dialog="library"] [data-document]', (els) => els.map((e) => e.dataset.document));
    return shas.find((s) => s !== sha);
  })();

  // Delete: the first click asks, the second moves it to the trash.
  const row = `[data-dialog="library"] [data-document="${sha}"]`;
  await page.click(`${row} [data-action="delete-document"]`);
  assert.ok(await page.$(row), 'one click only asks');
  await page.click(`${row} [data-action="delete-document"]`);
  await page.waitForSelector(row, { state: 'detached' });
  await page.waitForSelector(`[data-trashed="${sha}"]`);
  await screenshot(page, 'documents-trash');
  await page.click(`[data-trashed="${sha}"] [data-action="restore-document"]`);
  await page.waitForSelector(row);

  // Rename.
  await page.click(`${row} [data-action="rename-document"]`);
  assert.equal(await page.inputValue('[data-action="rename-input"]'), '会被删除的文档', 'the field starts with the title');
  await page.fill('[data-action="rename-input"]', '改过名的文档');
  await page.press('[data-action="rename-input"]', 'Enter');
  await page.waitForFunction((r) => document.querySelector(r)?.textContent.includes('改过名的文档'), row);
  await page.fill('[data-action="library-search"]', '改过名');
  assert.equal((await page.$$('[data-dialog="library"] [data-document]')).length, 1);
  await page.fill('[data-action="library-search"]', '');

  // A corrected version: text inserted before the annotation.
  await page.click('[data-action="replace-text"]');
  await page.fill('[data-action="paste-document"]', '会被删除的文档\n\n新加的开头。正文第一段，用来做标注。\n');
  await page.click('[data-action="add-document"]');
  const next = await waitForDocument(page, sha);
  assert.notEqual(next, seed);
  await page.waitForSelector('mark[data-annotation]');
  assert.equal(await highlights(page), '正文第一段');
  assert.match(await page.textContent('[data-message]'), /1 条移到新位置/);
  await openLibrary(page);
  await page.waitForSelector(`[data-trashed="${sha}"]`);
  assert.match(await page.textContent(`[data-dialog="library"] [data-document="${next}"]`), /改过名的文档/);

  // Emptying the trash asks first, then deletes the old version for good.
  await page.click('[data-action="empty-trash"]');
  assert.ok(await page.$(`[data-trashed="${sha}"]`), 'one click only asks');
  await page.click('[data-action="empty-trash"]');
  await page.waitForSelector(`[data-trashed="${sha}"]`, { state: 'detached' });
  const left = await page.evaluate((sha) => Object.keys(localStorage).filter((k) => k.includes(sha)), sha);
  assert.deepEqual(left, [], 'its annotations and entry are gone');
  await page.goto(`${app.server.url}#/doc/${sha}`);
  await page.waitForSelector(`[data-document-missing="${sha}"]`);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the library backup restores every document and annotation in a fresh browser profile', async () => {
  const first = await app.browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await openTab(first, app.server.url);
  await tagPassage(page, '推动成渝地区双城经济圈建设', 0, 3, '示例');
  const a = await pasteDocument(page, '备份文档甲\n\n甲的正文，有一处标注。\n');
  await tagPassage(page, '甲的正文', 0, 3, '甲');
  const b = await openFile(page, '乙.md', Buffer.from('# 备份文档乙\n\n乙的正文😀，也有标注。\n'));
  await tagPassage(page, '乙的正文', 0, 4, '乙');
  const path = await download(page, 'export-library');
  const backup = JSON.parse(await readFile(path, 'utf8'));
  assert.equal(backup.format, 'mozhu-library');
  assert.equal(backup.documents.length, 3);
  await first.close();

  const fresh = await app.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const other = await openTab(fresh, app.server.url);
  await other.setInputFiles('[data-action="import-library"]', path);
  await other.waitForSelector('mark[data-annotation]');
  assert.match(await highlights(other), /推动成/);
  for (const [sha, mark] of [[a, '甲的正文'], [b, '乙的正文😀']]) {
    await other.goto(`${app.server.url}#/doc/${sha}`);
    await waitForSegmentation(other);
    assert.equal(await docOf(other), sha);
    await other.waitForSelector('mark[data-annotation]');
    assert.equal(await highlights(other), mark);
  }
  await openLibrary(other);
  assert.equal((await other.$$('[data-dialog="library"] [data-document]')).length, 3);
  // The tag set is the library's: every tag is there, with its usage.
  await other.keyboard.press('Escape');
  await other.click('[data-action="tag-manager"]');
  const rows = await other.$$eval('[data-tag-row]', (els) => els.map((e) => e.dataset.tagRow).sort());
  assert.deepEqual(rows, ['乙', '甲', '示例'].sort());
  await screenshot(other, 'documents-restored-tags');

  // A damaged backup changes nothing.
  const damaged = JSON.parse(JSON.stringify(backup));
  damaged.documents[1].sha256 = '0'.repeat(64);
  await other.keyboard.press('Escape');
  await other.setInputFiles('[data-action="import-library"]', { name: '坏备份.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(damaged)) });
  await other.waitForSelector('[data-message]');
  assert.match(await other.textContent('[data-message]'), /未恢复「坏备份\.json」.*documents\[1\]\.sha256/);
  assert.deepEqual(other.errors, []);
  await fresh.close();
});

test('a full IndexedDB adds nothing and says why; a damaged stored text is reported, left as it is, and its annotations offered', async () => {
  const context = await app.browser.newContext({ acceptDownloads: true });
  const page = await openTab(context, app.server.url);
  const url = page.url();
  await page.evaluate(() => {
    IDBObjectStore.prototype.__put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function () {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
  await page.setInputFiles('[data-action="open-document"]', { name: '放不下.txt', mimeType: 'text/plain', buffer: Buffer.from('标题\n\n正文。\n') });
  await page.waitForSelector('[data-message]');
  assert.match(await page.textContent('[data-message]'), /放不下\.txt.*存储空间已满/);
  assert.equal(page.url(), url);
  await page.evaluate(() => {
    IDBObjectStore.prototype.put = IDBObjectStore.prototype.__put;
  });
  await openLibrary(page);
  assert.equal((await page.$$('[data-dialog="library"] [data-document]')).length, 1, 'no entry without its text');

  // A stored text damaged outside the app (and an annotation stored for it).
  const sha = 'ab'.repeat(32);
  const bad = '{"text": 42}';
  await page.evaluate(({ sha, bad }) => new Promise((ok, fail) => {
    localStorage.setItem(`mozhu.v2.${sha}.wordview`, 'true');
    const open = indexedDB.open('mozhu');
    open.onerror = fail;
    open.onsuccess = () => {
      const tx = open.result.transaction('texts', 'readwrite');
      tx.objectStore('texts').put(bad, sha);
      tx.oncomplete = () => { open.result.close(); ok(); };
      tx.onerror = fail;
    };
  }), { sha, bad });
  await page.goto(`${app.server.url}#/doc/${sha}`);
  await page.waitForSelector(`[data-document-missing="${sha}"]`);
  assert.match(await page.textContent('[data-document-missing]'), /保存的文档无法读取/);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-action="export-stored"]')]);
  assert.match(dl.suggestedFilename(), /原样\.json$/);
  const still = await page.evaluate((sha) => new Promise((ok) => {
    const open = indexedDB.open('mozhu');
    open.onsuccess = () => {
      const get = open.result.transaction('texts').objectStore('texts').get(sha);
      get.onsuccess = () => { open.result.close(); ok(get.result); };
    };
  }), sha);
  assert.equal(still, bad, 'the damaged value is left as it was');
  await context.close();
});
