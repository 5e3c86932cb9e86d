// Debian's Chromium through playwright-core, with the flags of a closed network, and the
// checks every journey runs on every page: no console errors, no CSP violations, no failed
// requests; axe-core with zero serious or critical violations; no horizontal scrolling on a
// phone; screenshots kept under target/e2e/screenshots/{sqlite,postgres}.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { ROOT } = require('./app');

const EXECUTABLE = process.env.CHROMIUM || '/usr/bin/chromium';
const BACKEND = process.env.E2E_DATABASE_URL ? 'postgres' : 'sqlite';
const SHOTS =
  process.env.E2E_SCREENSHOTS || path.join(ROOT, 'target', 'e2e', 'screenshots', BACKEND);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const PHONE = { width: 375, height: 812 };
const DESKTOP = { width: 1280, height: 800 };

async function launch() {
  return chromium.launch({
    executablePath: EXECUTABLE,
    headless: true,
    args: [
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-sync',
      '--disable-domain-reliability',
      '--disable-client-side-phishing-detection',
      '--metrics-recording-only',
      '--disable-features=Translate,OptimizationHints,MediaRouter,InterestFeedContentSuggestions',
      // Containers run CI as root, where Chromium's sandbox cannot start.
      ...(process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : []),
    ],
  });
}

// A browser context (one person) whose pages are all watched. `problems` collects anything
// that went wrong in the browser; a journey calls `clean()` at its end (and wherever it
// wants) to assert there was nothing. A response the journey expects to fail is declared
// with `expect(status, urlPart)` first. `javaScript: false` is a browser with JavaScript off.
async function person(browser, app, { viewport = DESKTOP, name = 'person', javaScript = true } = {}) {
  const context = await browser.newContext({
    viewport,
    baseURL: app.url,
    locale: 'en-GB',
    javaScriptEnabled: javaScript,
  });
  context.setDefaultTimeout(10_000);
  const problems = [];
  const expected = [];
  // CSP violations reach the page as events; report them on the console, where they are seen.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  const watch = (page) => {
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const text = msg.text();
      // Chromium's and htmx's own notes of an HTTP error status: the response check below
      // judges those (an expected 422 or 409 is fine, any other is reported there).
      if (/^Failed to load resource: the server responded with a status of \d+/.test(text)) return;
      if (/^Response Status Error Code \d+ from /.test(text)) return;
      problems.push(`console error on ${page.url()}: ${text}`);
    });
    page.on('pageerror', (err) => problems.push(`script error on ${page.url()}: ${err.message}`));
    page.on('requestfailed', (req) => {
      const failure = req.failure()?.errorText || '';
      // ERR_ABORTED is the browser itself cancelling (the page was left: its live stream, a
      // poll, a favicon still loading), not a request that failed; a server's error is an HTTP
      // status, judged below, and a broken connection is another net:: error.
      if (failure === 'net::ERR_ABORTED') return;
      problems.push(`request failed: ${req.method()} ${req.url()} ${failure}`);
    });
    page.on('response', (res) => {
      const status = res.status();
      if (status < 400) return;
      const at = expected.findIndex((e) => e.status === status && res.url().includes(e.url));
      if (at >= 0) {
        expected.splice(at, 1);
        return;
      }
      problems.push(`HTTP ${status} for ${res.request().method()} ${res.url()}`);
    });
  };
  context.on('page', watch);
  // E2E_DEBUG=1: a trace of what each person's browser sends, receives and swaps (how the
  // out-of-order answers behind data-v were found).
  if (process.env.E2E_DEBUG) {
    const seatStates = (html) =>
      [...String(html).matchAll(/id="s(\d+)"[^>]*data-status="(\w+)"[^>]*data-v="(\d+)"/g)]
        .map((m) => `${m[1]}:${m[2]}@${m[3]}`)
        .join(' ');
    context.on('request', (r) => {
      if (!r.url().includes('/static/')) console.log(`${name} > ${r.method()} ${r.url()} ${r.postData() || ''}`);
    });
    context.on('response', async (r) => {
      if (r.request().method() === 'GET') return;
      const body = await r.text().catch(() => '');
      console.log(`${name} < ${r.status()} ${r.url()} ${seatStates(body)}`);
    });
    context.on('console', (m) => console.log(`${name} console.${m.type()}: ${m.text()}`));
    await context.addInitScript(() => {
      for (const ev of ['htmx:sseOpen', 'htmx:sseError', 'htmx:sseClose']) {
        document.addEventListener(ev, () => console.log(ev));
      }
      document.addEventListener('htmx:oobBeforeSwap', (e) => {
        const t = e.detail.target;
        const f = e.detail.fragment?.firstElementChild;
        if (!t?.id || !f?.getAttribute) return;
        const state = (el) => `${el.getAttribute('data-status') ?? ''}@${el.getAttribute('data-v') ?? ''}`;
        console.log(`swap #${t.id}: ${state(t)} -> ${state(f)}`);
      });
    });
  }
  const page = await context.newPage();
  return {
    name,
    context,
    page,
    problems,
    expect(status, url) {
      expected.push({ status, url });
    },
    clean() {
      assert.deepEqual(problems, [], `${name}: problems in the browser`);
    },
    async close() {
      await context.close();
    },
  };
}

// axe-core on the page as it is: zero serious or critical violations.
async function axe(page, label) {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `axe on ${label} (${page.url()})`);
  return result;
}

// The page fits a phone's width: nothing makes the whole page scroll sideways.
async function fitsWidth(page, label) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  assert.ok(scroll <= width, `${label}: the page is ${scroll}px wide in a ${width}px window`);
}

async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const width = page.viewportSize().width;
  const file = path.join(SHOTS, `${name}-${width}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

module.exports = { launch, person, axe, fitsWidth, shot, PHONE, DESKTOP, SHOTS };
