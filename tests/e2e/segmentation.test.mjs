// Segmentation as a person meets it: the page is readable at once, words
// appear in the word view, selections snap to whole words, the user
// dictionary re-segments and survives a reload, keywords mark the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withAppServer, openApp, waitForSegmentation, charPoint, dragSelect, screenshot } from './support.mjs';

const app = withAppServer();

async function tokenTextsByBlock(page) {
  return page.$$eval('[data-block]', (blocks) =>
    blocks.map((b) => ({
      text: b.textContent,
      tokens: [...b.querySelectorAll('[data-token]')].map((t) => t.textContent),
    })),
  );
}

test('word view: tokens of every block join back to its text exactly', async () => {
  const page = await openApp(app.browser, app.server.url);
  await waitForSegmentation(page);
  assert.equal(await page.$$eval('[data-token]', (t) => t.length), 0, 'word view is off by default');
  await page.click('[data-action="word-view"]');
  await page.waitForSelector('[data-token]');
  const blocks = await tokenTextsByBlock(page);
  for (const b of blocks) {
    assert.ok(b.tokens.length > 0, `block has tokens: ${b.text.slice(0, 20)}`);
    assert.ok(b.tokens.every((t) => t.length > 0), 'no empty tokens');
    assert.equal(b.tokens.join(''), b.text);
  }
  const words = blocks.flatMap((b) => b.tokens);
  assert.ok(words.includes('高质量'), 'jieba words such as 高质量 are single tokens');
  await screenshot(page, 'word-view');
  // The keyboard shortcut toggles it back off.
  await page.keyboard.press('w');
  await page.waitForFunction(() => document.querySelectorAll('[data-token]').length === 0);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a selection that cuts words is extended to whole words; Alt keeps exact characters', async () => {
  const page = await openApp(app.browser, app.server.url);
  await waitForSegmentation(page);
  // "推动成渝地区双城经济圈建设": start inside 推动, end inside 双城.
  const phrase = '推动成渝地区双城经济圈建设';
  await dragSelect(page, await charPoint(page, phrase, 1, 'left'), await charPoint(page, phrase, 6, 'right'));
  // The tag popup opens for the snapped range (and takes the focus).
  const quote = () => page.$eval('[data-popup] [data-quote]', (e) => e.dataset.quote);
  const snapped = await quote();
  assert.ok(snapped.startsWith('推动'), `starts at a word start: ${snapped}`);
  assert.ok(phrase.startsWith(snapped) && snapped.length >= 7, `ends at a word end: ${snapped}`);

  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-popup]', { state: 'detached' });
  await dragSelect(page, await charPoint(page, phrase, 1, 'left'), await charPoint(page, phrase, 6, 'right'), { alt: true });
  const exact = await quote();
  assert.equal(exact, '动成渝地区双');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a user-dictionary word becomes one token at once and survives a reload', async () => {
  const page = await openApp(app.browser, app.server.url);
  await waitForSegmentation(page);
  await page.click('[data-action="word-view"]');
  const word = '成渝地区双城经济圈';
  const hasToken = () => page.$$eval('[data-token]', (ts, w) => ts.some((t) => t.textContent === w), word);
  assert.equal(await hasToken(), false, 'jieba splits it before');
  await page.fill('[data-action="user-dict-input"]', word);
  await page.keyboard.press('Enter');
  await page.waitForFunction((w) => [...document.querySelectorAll('[data-token]')].some((t) => t.textContent === w), word);
  for (const b of await tokenTextsByBlock(page)) assert.equal(b.tokens.join(''), b.text);
  await screenshot(page, 'user-dictionary');

  await page.reload();
  await waitForSegmentation(page);
  assert.ok(await page.$('[data-token]'), 'the word view preference is kept');
  assert.equal(await hasToken(), true, 'the user word is kept');
  assert.ok(await page.$(`[data-user-word="${word}"]`));

  // Removing it splits the word again.
  await page.click(`[data-user-word="${word}"] .remove`);
  await page.waitForFunction((w) => ![...document.querySelectorAll('[data-token]')].some((t) => t.textContent === w), word);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('keywords: clicking one marks every occurrence', async () => {
  const page = await openApp(app.browser, app.server.url);
  await waitForSegmentation(page);
  await page.waitForSelector('[data-keyword]');
  const first = await page.$eval('[data-keyword]', (b) => b.dataset.keyword);
  await page.click('[data-keyword]');
  const marks = await page.$$eval('mark.keyword', (ms) => ms.map((m) => m.textContent));
  assert.ok(marks.length >= 3, `${first} is marked ${marks.length} times`);
  assert.ok(marks.every((m) => m === first));
  await screenshot(page, 'keywords');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelectorAll('mark.keyword').length === 0);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
