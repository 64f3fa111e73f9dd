// A long document with thousands of annotations, as a person works on it:
// import them, jump to one from the sidebar, create, undo and redo from the
// keyboard, scroll through with the word view on, import quotes that occur
// nowhere. Nothing may throw, and what is drawn stays near the screen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withAppServer, openApp, waitForSegmentation, screenshot, numberedParagraphs, annotationsFile, missingQuotesFile, openText } from './support.mjs';

const app = withAppServer();
const PARAGRAPH = '　　这是一段用来测试长文档与大量标注的中文文字，包含标点、数字 2026 和 English words，长度与新闻稿的段落相近。';
const count = (page) => page.$eval('.annotations h3 .hint', (e) => parseInt(e.textContent, 10));

async function importAnnotations(page, file) {
  await page.setInputFiles('[data-action="import"]', { name: 'many.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) });
  await page.waitForSelector('[data-dialog="import"]', { timeout: 60_000 });
  const orphans = Number(await page.getAttribute('[data-dialog="import"] [data-orphans]', 'data-orphans'));
  await page.click('[data-action="import-merge"]');
  await page.waitForSelector('[data-dialog="import"]', { state: 'detached' });
  return orphans;
}

/** Whether the element's box is within the viewport. */
const onScreen = (page, selector) =>
  page.$eval(selector, (e) => {
    const r = e.getBoundingClientRect();
    return r.bottom > 0 && r.top < innerHeight;
  });

test('a 1 MB document with 5,000 annotations: jump, create, undo, redo and scroll with the word view on', async () => {
  const page = await openApp(app.browser, app.server.url);
  await waitForSegmentation(page);
  await openText(page, 'long.txt', numberedParagraphs('长文档测试', PARAGRAPH, 1_000_000));

  const [paragraphs, offsets] = await page.$$eval('[data-kind="paragraph"]', (els) => [
    els.map((e) => e.textContent),
    els.map((e) => Number(e.dataset.offset)),
  ]);
  assert.ok(paragraphs.length > 5000, `${paragraphs.length} paragraphs`);
  assert.equal(await importAnnotations(page, annotationsFile(paragraphs, 5000, offsets)), 0, 'every annotation placed');
  await page.waitForFunction(() => document.querySelector('.annotations h3 .hint')?.textContent.startsWith('5000 '));
  // Every highlight is in the page (so any can be scrolled to), far ones too.
  const ids = await page.$$eval('mark[data-annotation]', (ms) => new Set(ms.map((m) => m.dataset.annotation)).size);
  assert.equal(ids, 5000);

  await page.keyboard.press('w');
  await page.waitForSelector('[data-word-view="complete"]');
  const words = await page.$$eval('[data-token]', (t) => t.length);
  assert.ok(words > 0 && words < 20_000, `words drawn near the screen only: ${words}`);

  // The sidebar lists a window of entries; the last of a later window
  // scrolls the page to its highlight, far down the document.
  for (let i = 0; i < 10; i++) await page.click('[data-action="entries-later"]');
  const far = await page.$eval('.annotations .entries > li:last-child', (e) => e.dataset.entry);
  await page.click(`[data-entry="${far}"]`);
  await page.waitForFunction(
    (id) => {
      const r = document.querySelector(`mark[data-annotation="${id}"]`).getBoundingClientRect();
      return r.top > 0 && r.bottom < innerHeight;
    },
    far,
    { timeout: 10_000 },
  );
  // The page scrolls there smoothly: wait until it stands still.
  await page.evaluate(
    () =>
      new Promise((done) => {
        let last = -1;
        let still = 0;
        const tick = () => {
          still = scrollY === last ? still + 1 : 0;
          last = scrollY;
          if (still > 10) done();
          else requestAnimationFrame(tick);
        };
        tick();
      }),
  );
  assert.ok(await page.evaluate(() => scrollY > 50_000), 'scrolled far down');
  // Words are drawn where the page now is.
  await page.waitForFunction((id) => document.querySelector(`mark[data-annotation="${id}"]`).closest('[data-block]').querySelector('[data-token]'), far);

  // Create from the keyboard where the page is, undo and redo.
  await page.keyboard.press('Escape');
  await page.keyboard.press('s');
  await page.waitForSelector('[data-keyhint]');
  assert.ok(await onScreen(page, '[data-pending]'), 'the keyboard selection starts on screen');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-popup="tag"]');
  await page.keyboard.type('长文');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('.annotations h3 .hint')?.textContent.startsWith('5001 '));
  assert.ok(await onScreen(page, 'mark.hl[title="长文"]'), 'the new highlight is where the page is');
  await screenshot(page, 'long-document-annotated');
  await page.keyboard.press('Control+z');
  await page.waitForFunction(() => document.querySelector('.annotations h3 .hint')?.textContent.startsWith('5000 '));
  await page.keyboard.press('Control+y');
  await page.waitForFunction(() => document.querySelector('.annotations h3 .hint')?.textContent.startsWith('5001 '));

  // Scroll to the end and back: the last paragraph gets its words.
  await page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight));
  await page.waitForFunction(() => [...document.querySelectorAll('[data-kind="paragraph"]')].at(-1).querySelector('[data-token]'));
  await page.evaluate(() => scrollTo(0, 0));
  await page.waitForFunction(() => document.querySelector('[data-kind="paragraph"] [data-token]'));
  assert.equal(await count(page), 5001);
  // Find in page reaches text far off screen (the browser's own search,
  // as Ctrl+F uses it).
  const farText = `第 ${paragraphs.length - 50} 段`;
  const found = await page.evaluate((far) => {
    const hit = window.find(far);
    const block = getSelection().anchorNode?.parentElement?.closest('[data-block]');
    return hit && block?.textContent.includes(far);
  }, farText);
  assert.ok(found, 'find in page finds a paragraph near the end');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('long quotes that occur nowhere in a long document are all kept as orphans', async () => {
  const page = await openApp(app.browser, app.server.url);
  await waitForSegmentation(page);
  await openText(page, 'long.txt', numberedParagraphs('孤立引文测试', PARAGRAPH, 500_000));
  const file = missingQuotesFile(200);
  assert.equal(await importAnnotations(page, file), 200);
  await page.waitForSelector('.orphans-title');
  assert.match(await page.textContent('.orphans-title'), /未能定位（200）/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
