// Annotating as a person does: drag-select, type a tag, Enter; overlapping
// highlights; paragraph tags; sidebar; tag manager; undo/redo by keyboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withAppServer, openApp, waitForSegmentation, charPoint, dragSelect, screenshot, annotationsFile } from './support.mjs';

const app = withAppServer();

const PHRASE = '推动成渝地区双城经济圈建设';

async function annotate(page, from, to, typed) {
  await page.evaluate(() => getSelection().removeAllRanges());
  await dragSelect(page, await charPoint(page, PHRASE, from, 'left'), await charPoint(page, PHRASE, to, 'right'));
  await page.waitForSelector('[data-popup="tag"]');
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('tag-input')), true, 'focus is in the tag field');
  for (const [i, part] of typed.entries()) {
    if (i > 0) await page.keyboard.press('Tab');
    await page.keyboard.type(part);
  }
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-popup="tag"]', { state: 'detached' });
}

const highlights = (page) =>
  page.$$eval('[data-annotation]', (els) => {
    const byId = {};
    for (const e of els) if (e.tagName === 'MARK') byId[e.dataset.annotation] = (byId[e.dataset.annotation] ?? '') + e.textContent;
    return byId;
  });

test('select, tag, overlap, paragraph tag, sidebar, undo and redo', async () => {
  const page = await openApp(app.browser, app.server.url);
  await waitForSegmentation(page);

  // 1. Drag across part of 推动 … 双城: snapped to whole words, tagged.
  await annotate(page, 1, 6, ['区域发展']);
  let hl = await highlights(page);
  assert.deepEqual(Object.values(hl), ['推动成渝地区双城']);
  const firstId = Object.keys(hl)[0];
  assert.match(firstId, /^[0-9a-f-]{36}$/, 'ids are UUIDs');
  assert.equal(await page.$eval(`[data-entry="${firstId}"] .quote`, (e) => e.textContent), '推动成渝地区双城');

  // 2. An overlapping highlight with two tags: both stay visible and clickable.
  await annotate(page, 6, 12, ['地名', '经济']);
  hl = await highlights(page);
  assert.equal(Object.keys(hl).length, 2);
  const secondId = Object.keys(hl).find((k) => k !== firstId);
  assert.equal(hl[secondId], '双城经济圈建设');
  const overlap = await page.$$eval(`mark[data-annotation="${firstId}"] mark[data-annotation], mark[data-annotation="${secondId}"] mark[data-annotation]`, (m) => m.map((e) => e.textContent));
  assert.deepEqual(overlap, ['双城'], 'the overlap is nested, not dropped');
  const tags = await page.$$eval(`[data-entry="${secondId}"] .chip`, (c) => c.map((e) => e.textContent));
  assert.deepEqual(tags, ['地名', '经济']);
  // Distinct colours per tag.
  const colours = await page.$$eval('[data-filter-tag]', (c) => c.map((e) => getComputedStyle(e).getPropertyValue('--chip').trim()));
  assert.equal(new Set(colours).size, colours.length);

  // Clicking a highlight selects its entry in the sidebar.
  const p = await charPoint(page, PHRASE, 10);
  await page.mouse.click(p.x, p.y);
  await page.waitForSelector(`[data-entry="${secondId}"].selected`);

  // 3. Tag a whole paragraph with the number key of an existing tag.
  const para = await page.$('[data-block]:has-text("推动成渝地区双城经济圈建设走深走实")');
  const row = await para.evaluateHandle((e) => e.closest('.block-row'));
  await row.hover();
  await (await row.$('[data-action="tag-block"]')).click();
  await page.waitForSelector('[data-popup="tag"]');
  await page.keyboard.press('1');
  await page.waitForSelector('.block-tag');
  assert.equal(await row.$eval('.block-tag', (e) => e.textContent), '区域发展');
  assert.equal(await page.$$eval('[data-entry]', (e) => e.length), 3);
  await screenshot(page, 'annotated');

  // 4. Undo three times by keyboard, then redo all.
  await page.mouse.click(5, 300);
  for (let i = 0; i < 3; i++) await page.keyboard.press('Control+z');
  assert.equal(await page.$$eval('[data-annotation]', (e) => e.length), 0);
  await page.keyboard.press('Control+Shift+z');
  await page.keyboard.press('Control+y');
  await page.keyboard.press('Control+y');
  assert.equal(await page.$$eval('[data-entry]', (e) => e.length), 3);
  assert.deepEqual(Object.values(await highlights(page)).sort(), ['双城经济圈建设', '推动成渝地区双城'].sort());
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('sidebar search and filter, edit and delete; tag manager rename, merge, recolour and delete', async () => {
  const page = await openApp(app.browser, app.server.url);
  await waitForSegmentation(page);
  await annotate(page, 0, 1, ['政策']);
  await annotate(page, 9, 12, ['地名']);

  await page.fill('[data-action="search-annotations"]', '经济圈');
  assert.equal(await page.$$eval('[data-entry]', (e) => e.length), 1);
  await page.fill('[data-action="search-annotations"]', '');
  await page.click('[data-filter-tag="政策"]');
  assert.equal(await page.$$eval('[data-entry]', (e) => e.length), 1);
  await page.click('[data-filter-tag="政策"]');

  // Edit: add a note.
  const entry = (await page.$$('[data-entry]'))[1];
  await (await entry.$('[data-action="edit-annotation"]')).click();
  await page.waitForSelector('[data-popup="tag"]');
  await page.fill('.popup .note', '重要的地名');
  await page.click('[data-action="save-annotation"]');
  await page.waitForSelector('.entry-note');
  assert.equal(await page.$eval('.entry-note', (e) => e.textContent), '重要的地名');

  // Tag manager: rename 地名 → 地点, recolour, merge 政策 into 地点, delete.
  await page.keyboard.press('g');
  await page.waitForSelector('[data-dialog="tags"]');
  assert.equal(await page.inputValue('[data-tag-row="地名"] [data-action="rename-tag"]'), '地名', 'the field shows the name');
  await page.fill('[data-tag-row="地名"] [data-action="rename-tag"]', '地点');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-tag-row="地点"]');
  await page.click('[data-tag-row="地点"] [data-color="#c92a2a"]');
  assert.equal(await page.$eval('[data-filter-tag="地点"]', (e) => getComputedStyle(e).getPropertyValue('--chip').trim()), '#c92a2a');
  await page.selectOption('[data-tag-row="政策"] [data-action="merge-tag"]', '地点');
  await page.waitForSelector('[data-tag-row="政策"]', { state: 'detached' });
  await page.click('[data-tag-row="地点"] [data-action="delete-tag"]');
  const question = await page.textContent('[data-tag-row="地点"] .confirm');
  assert.match(question, /2 条标注/);
  await screenshot(page, 'tag-manager');
  await page.click('[data-action="confirm-delete-tag"]');
  await page.waitForSelector('[data-tag-row]', { state: 'detached' });
  await page.keyboard.press('Escape');
  assert.equal(await page.$$eval('[data-entry]', (e) => e.length), 2, 'annotations stay when their tag is deleted');

  // Delete by keyboard: J selects the first annotation, Delete removes it.
  await page.keyboard.press('j');
  await page.keyboard.press('Delete');
  assert.equal(await page.$$eval('[data-entry]', (e) => e.length), 1);
  await page.keyboard.press('?');
  await page.waitForSelector('[data-dialog="help"]');
  await screenshot(page, 'help');
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-dialog="help"]', { state: 'detached' });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('without a mouse: S starts a word-by-word selection, arrows move it, Enter tags it', async () => {
  const page = await openApp(app.browser, app.server.url);
  await waitForSegmentation(page);
  const pending = () => page.$$eval('[data-pending]', (m) => m.map((e) => e.textContent).join(''));
  const firstPara = await page.$eval('[data-kind="paragraph"]', (e) => e.textContent);

  await page.keyboard.press('s');
  await page.waitForSelector('[data-keyhint]');
  assert.equal(await pending(), await page.$eval('[data-kind="title"] [data-pending]', (e) => e.textContent), 'starts in the first block in view, the title');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
  const one = await pending();
  assert.ok(one.length > 0 && firstPara.startsWith(one), `moved to the first paragraph: ${one}`);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  const three = await pending();
  assert.ok(three.length > one.length && firstPara.startsWith(three), `the end took two more words: ${three}`);
  await page.keyboard.press('Shift+ArrowRight');
  const shorter = await pending();
  assert.ok(three.endsWith(shorter) && shorter.length < three.length, 'Shift+→ gives back the first word');
  await page.keyboard.press('Shift+ArrowLeft');
  assert.equal(await pending(), three);
  await screenshot(page, 'keyboard-selection');

  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-popup="tag"]');
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('tag-input')), true);
  await page.keyboard.type('键盘');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-popup="tag"]', { state: 'detached' });
  assert.equal(await page.$('[data-keyhint]'), null, 'the hint goes with the selection');
  const quotes = await page.$$eval('[data-entry] .quote', (q) => q.map((e) => e.textContent));
  assert.deepEqual(quotes, [three]);

  // T tags the paragraph of the selected annotation (the one just made).
  await page.keyboard.press('t');
  await page.waitForSelector('[data-popup="tag"]');
  await page.keyboard.type('段落');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.block-tag');
  const row = await page.$eval('[data-kind="paragraph"]', (p) => p.closest('.block-row').querySelector('.block-tag')?.textContent);
  assert.equal(row, '段落');

  // The passage is whole words: it is the join of the paragraph's first tokens.
  await page.keyboard.press('w');
  await page.waitForSelector('[data-token]');
  const words = await page.$eval('[data-kind="paragraph"]', (p) => [...p.querySelectorAll('[data-token]')].map((t) => t.textContent));
  const prefixes = words.map((_, i) => words.slice(0, i + 1).join(''));
  assert.ok(prefixes.includes(three), `${three} ends on a word boundary`);

  // Esc ends a keyboard selection without tagging anything.
  await page.keyboard.press('s');
  await page.waitForSelector('[data-keyhint]');
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-keyhint]', { state: 'detached' });
  assert.equal(await page.$$eval('[data-entry]', (e) => e.length), 2);
  await page.close();
});

test('hundreds of annotations: the sidebar lists 100 at a time and follows the selection', async () => {
  const page = await openApp(app.browser, app.server.url);
  await waitForSegmentation(page);
  const paragraphs = await page.$$eval('[data-kind="paragraph"]', (els) => els.map((e) => e.textContent));
  const file = annotationsFile(paragraphs, 450);
  await page.setInputFiles('[data-action="import"]', { name: 'many.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) });
  await page.click('[data-action="import-merge"]');
  await page.waitForSelector('.annotations h3 .hint:has-text("450 条")');
  const ids = () => page.$$eval('[data-entry]', (e) => e.map((x) => x.dataset.entry));
  const first = await ids();
  assert.equal(first.length, 100);
  assert.equal(await page.$$('[data-action="entries-earlier"]').then((b) => b.length), 0);
  const seen = new Set(first);
  for (let i = 0; i < 4; i++) {
    await page.click('[data-action="entries-later"]');
    const window = await ids();
    assert.equal(window.length, 100, 'every window is full, the last ending at the last entry');
    window.forEach((id) => seen.add(id));
  }
  assert.equal(seen.size, 450, 'the windows together list every annotation');
  assert.equal(await page.$$('[data-action="entries-later"]').then((b) => b.length), 0);
  await page.click('[data-action="entries-earlier"]');
  // K from the top of the document (no selection) selects the first entry:
  // the list moves back to it.
  await page.keyboard.press('k');
  await page.waitForSelector('[data-entry].selected');
  assert.equal(await page.$$('[data-action="entries-earlier"]').then((b) => b.length), 0);
  // Clicking a highlight far down selects it and the list shows it.
  const lastMark = await page.$$eval('mark[data-annotation]', (m) => m.at(-1).dataset.annotation);
  await page.evaluate((id) => document.querySelector(`mark[data-annotation="${id}"]`).scrollIntoView(), lastMark);
  await page.click(`mark[data-annotation="${lastMark}"]`);
  await page.waitForSelector(`[data-entry="${lastMark}"]`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('keys reach the tag popup when focus is not in its field: typing, Enter, 1–9 and Esc', async () => {
  const page = await openApp(app.browser, app.server.url);
  const popupWithoutFocus = async (from, to) => {
    await page.evaluate(() => getSelection().removeAllRanges());
    await dragSelect(page, await charPoint(page, PHRASE, from, 'left'), await charPoint(page, PHRASE, to, 'right'));
    await page.waitForSelector('[data-popup="tag"]');
    // As when a busy page runs the popup's focusing effect after the first keys.
    await page.evaluate(() => document.activeElement.blur());
  };
  const closed = () => page.waitForSelector('[data-popup="tag"]', { state: 'detached', timeout: 5_000 });
  const tagsOf = () => page.$$eval('[data-entry] .entry-tags', (ts) => ts.map((t) => t.textContent));

  await popupWithoutFocus(0, 1);
  await page.keyboard.type('abc');
  await page.keyboard.press('Enter');
  await closed();
  assert.deepEqual(await tagsOf(), ['abc']);

  // 1 picks the first listed tag, as in the field; Esc cancels.
  await popupWithoutFocus(4, 5);
  await page.keyboard.press('1');
  await closed();
  assert.deepEqual(await tagsOf(), ['abc', 'abc']);
  await popupWithoutFocus(7, 8);
  await page.keyboard.press('Escape');
  await closed();
  assert.equal((await tagsOf()).length, 2);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
