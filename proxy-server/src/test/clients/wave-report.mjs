// Opens a wave's cutover report (GET /waves/{name}/report) in real headless Chromium, with the admin
// token as a bearer header, as a browser would show the saved file; takes a full-page screenshot and
// lays the page out for print (A4 PDF) to check that it prints.
//
//   node wave-report.mjs 'http://127.0.0.1:PORT/waves/NAME/report' TOKEN SCREENSHOT.png
//
// Prints one JSON line with what the page drew; exits 0 when it rendered, 1 otherwise. Uses Debian's
// chromium (CHROMIUM overrides the path) through playwright-core.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [reportUrl, token, screenshot] = process.argv.slice(2);
if (!reportUrl || !token || !screenshot) {
  console.error('usage: node wave-report.mjs REPORT_URL TOKEN SCREENSHOT.png');
  process.exit(2);
}
const origin = new URL(reportUrl).origin;
const seen = { ok: false, step: 'launch' };
const external = [];
const pageErrors = [];
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wave-report-chromium-'));
let context;

try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1200, height: 900 },
    extraHTTPHeaders: { Authorization: `Bearer ${token}` },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('request', (r) => { if (!r.url().startsWith(origin)) external.push(r.url()); });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });

  seen.step = 'load';
  const response = await page.goto(reportUrl, { waitUntil: 'load', timeout: 30_000 });
  seen.status = response.status();
  seen.contentType = response.headers()['content-type'];
  seen.title = await page.title();

  seen.step = 'read';
  Object.assign(seen, await page.evaluate(() => ({
    sections: [...document.querySelectorAll('section[data-section]')].map((s) => s.getAttribute('data-section')),
    timeline: [...document.querySelectorAll('tr[data-to]')].map((r) => r.getAttribute('data-to')),
    gates: [...document.querySelectorAll('tr[data-gate]')].map((r) => r.getAttribute('data-gate')),
    switches: [...document.querySelectorAll('[data-switch] h3')].map((h) => h.textContent.trim()),
    pauseBars: document.querySelectorAll('svg.pause rect').length,
    groups: [...document.querySelectorAll('tr[data-group]')].map((r) => r.getAttribute('data-group')),
    applications: [...document.querySelectorAll('[data-application]')].map((a) => a.getAttribute('data-application')),
    trafficBars: document.querySelectorAll('svg.traffic rect').length,
    noHistory: [...document.querySelectorAll('#traffic .note')].map((n) => n.textContent.trim()),
    promote: document.querySelector('#promote')?.textContent.trim(),
    scripts: document.querySelectorAll('script').length,
    width: document.documentElement.scrollWidth,
  })));

  seen.step = 'screenshot';
  fs.mkdirSync(path.dirname(path.resolve(screenshot)), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });

  seen.step = 'print';
  await page.emulateMedia({ media: 'print' });
  seen.pdfBytes = (await page.pdf({ format: 'A4', printBackground: true })).length;

  seen.step = 'done';
  seen.ok = true;
} catch (e) {
  seen.error = String(e && e.stack || e);
} finally {
  seen.externalRequests = external;
  seen.pageErrors = pageErrors;
  if (context) await context.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
  console.log(JSON.stringify(seen));
  process.exitCode = seen.ok ? 0 : 1;
}
