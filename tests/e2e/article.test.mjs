// The article as a reader sees it: every block in order, real CJK glyphs,
// no console errors, at desktop and phone widths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, withAppServer, newPage, screenshot } from './support.mjs';

const seed = readFileSync(join(ROOT, 'seeds', '000_dd504da93b3e7f9a.txt'), 'utf8');
// Body lines of the seed, trimmed, in order: what the page must show.
const seedLines = seed.split('\n').map((l) => l.trim()).filter(Boolean);

const app = withAppServer();

async function openArticle(viewport) {
  const page = await newPage(app.browser, viewport);
  await page.goto(app.server.url);
  await page.waitForSelector('[data-kind="title"]');
  return page;
}

test('the article renders title, headings and every paragraph in order', async () => {
  const page = await openArticle();
  const blocks = await page.$$eval('[data-block]', (els) =>
    els.map((e) => ({ id: e.dataset.block, kind: e.dataset.kind, text: e.textContent, tag: e.tagName })),
  );
  assert.equal(blocks[0].kind, 'title');
  assert.equal(blocks[0].tag, 'H1');
  assert.equal(blocks[0].text, '在新时代新征程全面建设现代化新重庆');
  assert.equal(await page.title(), '墨注 · 中文文本标注');

  const headings = blocks.filter((b) => b.kind === 'heading').map((b) => b.text);
  assert.deepEqual(headings, [
    '一、扎实推进高质量发展各项任务落地见效',
    '二、坚持惠民富民安民努力创造高品质生活',
    '三、加快打造新时代市域党建新高地',
  ]);

  // Every non-empty seed line appears as a block, in order, except the
  // repeated title line which is shown once.
  const expected = seedLines.filter((l, i) => !(i > 0 && l === seedLines[0]));
  assert.deepEqual(blocks.map((b) => b.text), expected);

  const paragraphs = blocks.filter((b) => b.kind === 'paragraph');
  assert.equal(paragraphs.length, 18);
  assert.equal(blocks.filter((b) => b.kind === 'caption').length, 3);
  assert.equal(blocks.filter((b) => b.kind === 'footer').length, 3);
  assert.equal(new Set(blocks.map((b) => b.id)).size, blocks.length, 'block ids are unique');

  // Ids are stable across reloads.
  await page.reload();
  await page.waitForSelector('[data-kind="title"]');
  const again = await page.$$eval('[data-block]', (els) => els.map((e) => e.dataset.block));
  assert.deepEqual(again, blocks.map((b) => b.id));

  assert.deepEqual(page.errors, [], 'no console errors');
  await screenshot(page, 'article-desktop');
  await page.context().close();
});

test('the page uses a CJK font and reads well on a phone', async () => {
  const page = await openArticle({ width: 360, height: 740 });
  const layout = await page.evaluate(() => {
    const p = document.querySelector('[data-kind="paragraph"]');
    const style = getComputedStyle(p);
    return {
      scrollWidth: document.documentElement.scrollWidth,
      fontFamily: style.fontFamily,
      lineHeight: parseFloat(style.lineHeight) / parseFloat(style.fontSize),
      // Width of one CJK character: real glyphs are about 1em wide.
      glyph: (() => {
        const s = document.createElement('span');
        s.textContent = '重';
        p.appendChild(s);
        const w = s.getBoundingClientRect().width / parseFloat(style.fontSize);
        s.remove();
        return w;
      })(),
    };
  });
  assert.ok(layout.scrollWidth <= 360, `no horizontal scroll at 360 px (got ${layout.scrollWidth})`);
  assert.match(layout.fontFamily, /CJK|Song|Hei/);
  assert.ok(layout.lineHeight >= 1.7, `line height ${layout.lineHeight}`);
  assert.ok(layout.glyph > 0.9 && layout.glyph < 1.1, `CJK glyph is ~1em wide (got ${layout.glyph})`);
  assert.deepEqual(page.errors, []);
  await screenshot(page, 'article-phone');
  await page.context().close();
});
