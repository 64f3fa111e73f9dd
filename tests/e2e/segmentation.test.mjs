// Segmentation as a person meets it: the page is readable at once, words
// appear in the word view, selections snap to whole words, the user
// dictionary re-segments and survives a reload, keywords mark the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withAppServer, openApp, waitForSegmentation, charPoint, dragSelect, screenshot, numberedParagraphs, openText } from './support.mjs';

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

test('a long document: words arrive a slice of paragraphs at a time, with progress in the top bar', async () => {
  const page = await openApp(app.browser, app.server.url);
  await waitForSegmentation(page);
  const paragraph = '　　这是一段用来测试逐段分词的中文文字，包含标点、数字 2026 和 English words，长度与新闻稿的段落相近。';
  await openText(page, 'long.txt', numberedParagraphs('逐段分词测试', paragraph, 1_000_000));
  await page.click('[data-action="word-view"]');
  await page.waitForSelector('#app [data-word-view="complete"]', { timeout: 60_000 });
  // Words are drawn only near the screen: far paragraphs are plain text.
  const lastParagraph = () =>
    page.evaluate(() => {
      const b = [...document.querySelectorAll('[data-kind="paragraph"]')].at(-1);
      return [b.textContent, [...b.querySelectorAll('[data-token]')].map((t) => t.textContent)];
    });
  assert.deepEqual((await lastParagraph())[1], [], 'the last paragraph, far off screen, has no word elements');
  const drawn = await page.$$eval('[data-token]', (t) => t.length);
  assert.ok(drawn > 0 && drawn < 20_000, `words drawn near the screen only: ${drawn}`);
  await page.evaluate(() => [...document.querySelectorAll('[data-kind="paragraph"]')].at(-1).scrollIntoView());
  await page.waitForFunction(() => [...document.querySelectorAll('[data-kind="paragraph"]')].at(-1).querySelector('[data-token]'));
  const [, oldTokens] = await lastParagraph();
  assert.ok(oldTokens.length > 0 && !oldTokens.includes('逐段分词'));

  // A dictionary edit segments the whole text again: every state the root
  // passes through is recorded, with the top bar's status while partial.
  await page.evaluate(() => {
    window.__states = [];
    const app = document.getElementById('app');
    new MutationObserver(() => {
      const progress = document.querySelector('progress.segment-progress');
      window.__states.push({
        state: app.dataset.segmentation,
        status: document.querySelector('.status')?.textContent,
        progress: progress && [Number(progress.value), Number(progress.max)],
        // The last paragraph keeps its old words until its new ones come.
        lastTiles: (() => {
          const b = [...document.querySelectorAll('[data-kind="paragraph"]')].at(-1);
          return [...b.querySelectorAll('[data-token]')].map((t) => t.textContent).join('') === b.textContent;
        })(),
      });
    }).observe(app, { attributes: true, attributeFilter: ['data-segmentation'], subtree: true, characterData: true, childList: true });
  });
  await page.fill('[data-action="user-dict-input"]', '逐段分词');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.__states.some((s) => s.state === 'partial'), null, { timeout: 60_000 });
  await screenshot(page, 'long-document-resegmenting');
  await page.waitForFunction(() => window.__states.at(-1)?.state === 'ready' && window.__states.some((s) => s.state === 'partial'), null, { timeout: 60_000 });
  await waitForSegmentation(page);
  const states = await page.evaluate(() => window.__states);
  const partial = states.filter((s) => s.state === 'partial');
  assert.ok(partial.length >= 1, 'words arrived in more than one slice');
  for (const p of partial) {
    assert.match(p.status, /^分词中 \d+%$/);
    assert.ok(p.progress && p.progress[0] > 0 && p.progress[0] < p.progress[1], JSON.stringify(p));
  }
  assert.ok(states.every((s) => s.lastTiles), 'the last paragraph is whole words throughout');
  assert.match(await page.textContent('.status'), /^已分词 · \d+ 词$/);
  const [text, tokens] = await lastParagraph();
  assert.equal(tokens.join(''), text);
  assert.ok(tokens.includes('逐段分词'), 'the new word reached the last paragraph');
  assert.deepEqual(page.errors ?? [], []);
  await page.close();
});
