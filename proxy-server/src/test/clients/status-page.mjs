// Drives the proxy's status page (/ui) in real headless Chromium, as an operator would: opens it with
// #token=..., waits for the wave to be READY, presses Switch, waits for SWITCHED and the write pause,
// takes a screenshot, then checks that a refused token brings the token form back.
//
//   node status-page.mjs 'http://127.0.0.1:PORT/ui#token=TOKEN' WAVE SCREENSHOT.png
//
// Prints one JSON line with what the page showed; exits 0 when every step happened, 1 otherwise.
// Uses Debian's chromium (CHROMIUM overrides the path) through playwright-core; Playwright's own
// browser downloads are never used.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [pageUrl, wave, screenshot] = process.argv.slice(2);
if (!pageUrl || !wave || !screenshot) {
  console.error('usage: node status-page.mjs PAGE_URL#token=TOKEN WAVE SCREENSHOT.png');
  process.exit(2);
}
const url = new URL(pageUrl);
const token = new URLSearchParams(url.hash.slice(1)).get('token');
const STEP_MS = 30_000;
const SWITCH_MS = 120_000;

const seen = { ok: false, wave, step: 'launch' };
const requests = [];
const pageErrors = [];
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'status-page-chromium-'));
let context;

function text(locator) {
  return locator.first().textContent({ timeout: STEP_MS }).then((t) => (t || '').trim());
}

/** Polls the element's text until it matches: elements are rebuilt on every poll of the page. */
async function waitForText(locator, pattern, timeout = STEP_MS) {
  const deadline = Date.now() + timeout;
  let last = null;
  for (;;) {
    last = await locator.first().textContent({ timeout: 1000 }).catch(() => null);
    if (last !== null && pattern.test(last.trim())) return last.trim();
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${locator} to match ${pattern}; it showed ${JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What the plots drew: per plot, each series' points ([[time, value], ...]) and the switch marks. */
function plotted(page) {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('svg[data-plot]')].map((chart) => [
    chart.getAttribute('data-plot'), {
      series: Object.fromEntries([...chart.querySelectorAll('[data-series]')].map((el) => [
        el.getAttribute('data-series'), JSON.parse(el.getAttribute('data-points'))])),
      marks: [...chart.querySelectorAll('[data-mark]')].map((m) => Number(m.getAttribute('data-mark'))),
    }])));
}

/** Polls the plots until `ready` holds for what they drew: they are redrawn on every poll of the page. */
async function waitForPlots(page, what, ready, timeout = STEP_MS) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const plots = await plotted(page);
    if (ready(plots)) return plots;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for the plots to show ${what}: ${JSON.stringify(plots)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('request', (r) => requests.push({ url: r.url(), method: r.method(), authorization: r.headers().authorization || null }));

  seen.step = 'open the page';
  await page.goto(pageUrl, { waitUntil: 'load', timeout: STEP_MS });
  await page.waitForFunction(() => location.hash === '', null, { timeout: STEP_MS });
  seen.urlAfterLoad = page.url();

  const card = page.locator(`article[data-wave="${wave}"]`);
  const state = card.locator('[data-field="state"]');
  seen.step = 'wave READY';
  await waitForText(state, /^READY$/);
  seen.gates = await card.locator('tr[data-gate]').evaluateAll((rows) => rows.map((r) => ({
    gate: r.getAttribute('data-gate'), status: r.querySelector('.gate').textContent.trim() })));
  seen.lagTopics = await card.locator('tr[data-topic]').evaluateAll((rows) => rows.map((r) => ({
    topic: r.getAttribute('data-topic'), lag: r.querySelector('[data-field="lag"]').textContent.trim() })));

  // A rate needs two polls; wait for it so the screenshot shows traffic, not dashes.
  seen.step = 'request rate per cluster';
  await waitForText(page.locator('tr[data-cluster="source"] [data-field="rate"]'), /\d/);

  seen.step = 'switch';
  await card.locator('button[data-action="switch"]').click({ timeout: STEP_MS });
  await waitForText(state, /^SWITCHED$/, SWITCH_MS);
  const pause = card.locator('[data-field="writePauseMs"]');
  await waitForText(pause, /^[\d.,]+ ms$/);
  seen.state = await text(state);
  seen.writePause = await text(pause);
  seen.outcome = await text(card.locator('[data-field="outcome"]'));
  seen.actionResult = await text(card.locator('[data-field="result"]'));
  seen.rollbackNote = await text(card.locator('[data-field="rollback"]'));

  // The histogram's count comes from /metrics on a later poll.
  seen.step = 'write pause count from /metrics';
  await waitForText(page.locator('#wave-summary'), /Write pauses measured: [1-9]/);
  seen.waveSummary = await text(page.locator('#wave-summary'));
  // The producer follows the wave to the target: the page shows requests there too.
  await waitForText(page.locator('tr[data-cluster="target"] [data-field="rate"]'), /\d/);
  seen.clients = await text(page.locator('#clients > p').last());
  seen.applications = await page.locator('tr[data-application]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-application')));
  seen.fleet = await page.locator('tr[data-instance]').evaluateAll((rows) => rows.map((r) => ({
    instance: r.getAttribute('data-instance'), state: r.querySelector('.chip').textContent.trim() })));
  seen.fleetSummary = await text(page.locator('#fleet-summary'));
  seen.rates = await page.locator('tr[data-cluster]').evaluateAll((rows) => Object.fromEntries(rows.map((r) => [
    r.getAttribute('data-cluster'), r.querySelector('[data-field="rate"]').textContent.trim()])));

  // The plots of the last hour: the switch is a mark, and the producer's requests step from source to target there.
  seen.step = 'plots show the switch';
  const busy = (points, keep) => points.filter(([t, v]) => keep(t) && v > 0).length >= 3;
  seen.plots = await waitForPlots(page, 'traffic on source before the switch and on target after it', (p) => {
    const mark = p.pauses?.marks?.[0];
    const requests = p.requests?.series || {};
    return mark !== undefined && busy(requests.source || [], (t) => t < mark) && busy(requests.target || [], (t) => t > mark);
  }, SWITCH_MS);

  seen.step = 'screenshot';
  fs.mkdirSync(path.dirname(path.resolve(screenshot)), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });

  // Everything so far: same origin only, and every call for data carried the token.
  const origin = url.origin;
  seen.externalRequests = requests.filter((r) => !r.url.startsWith('data:') && new URL(r.url).origin !== origin).map((r) => r.url);
  const dataCalls = requests.filter((r) => !r.url.startsWith('data:') && !new URL(r.url).pathname.startsWith('/ui'));
  seen.dataCalls = dataCalls.length;
  seen.dataCallsWithoutToken = dataCalls.filter((r) => r.authorization !== `Bearer ${token}`).map((r) => `${r.method} ${r.url}`);

  seen.step = 'a refused token shows the form';
  await page.evaluate(() => sessionStorage.setItem('cutover-proxy-token', 'not-the-admin-token'));
  await page.locator('#login').waitFor({ state: 'visible', timeout: STEP_MS });
  seen.loginMessage = await text(page.locator('#login-message'));

  seen.step = 'the form takes the token';
  await page.locator('#token-input').fill(token);
  await page.locator('#login-form button[type="submit"]').click();
  await page.locator('#status').waitFor({ state: 'visible', timeout: STEP_MS });
  await waitForText(state, /^SWITCHED$/);
  seen.afterLogin = await text(state);

  seen.pageErrors = pageErrors;
  seen.ok = pageErrors.length === 0;
  seen.step = 'done';
} catch (e) {
  seen.error = String(e && e.message ? e.message : e).split('\n')[0];
  seen.pageErrors = pageErrors;
  try {
    // What the page showed when it went wrong is the quickest way to see why.
    const page = context && context.pages()[0];
    if (page) await page.screenshot({ path: screenshot, fullPage: true });
  } catch (_) { /* the browser may be gone */ }
} finally {
  if (context) await context.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
console.log(JSON.stringify(seen));
process.exit(seen.ok ? 0 : 1);
