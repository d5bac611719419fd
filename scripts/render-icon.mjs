// Renders docs/icon.svg (the artwork, not packaged) to media/icon.png (the Marketplace icon) with Debian's chromium.
// Run by hand after changing the artwork: node scripts/render-icon.mjs
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const SIZE = 256;
const repo = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const media = path.join(repo, 'media');
const svg = readFileSync(path.join(repo, 'docs', 'icon.svg'), 'utf8');

// Chromium keeps its crash and dconf state under HOME: give it a throwaway one.
const home = mkdtempSync(path.join(tmpdir(), 'render-icon-'));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_CACHE_HOME: path.join(home, 'cache') },
});
try {
  const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE }, deviceScaleFactor: 1 });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  // omitBackground keeps the corners outside the rounded tile transparent.
  await page.locator('svg').screenshot({ path: path.join(media, 'icon.png'), omitBackground: true });
} finally {
  await browser.close();
  rmSync(home, { recursive: true, force: true });
}
