// The API's reference page (issue 21): Swagger UI at /api/docs, its files served by the app
// itself, renders every operation of /api/v1/openapi.json under the app's own
// Content-Security-Policy, with no console error and no CSP violation, and "Try it out" calls
// the live API from the page.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { journey } = require('../lib/suite');
const { person, shot } = require('../lib/browser');

const ctx = journey();

test('the API reference renders every operation under the app CSP and can call the API', async () => {
  const { app, browser } = ctx;
  const reader = await person(browser, app, { name: 'reader' });
  const { page } = reader;

  // Every request the page makes stays on this site: no CDN, no public validator.
  const elsewhere = [];
  page.on('request', (req) => {
    if (!req.url().startsWith(app.url) && !req.url().startsWith('data:')) elsewhere.push(req.url());
  });

  const res = await page.goto('/api/docs');
  assert.equal(res.status(), 200);
  assert.match(page.url(), /\/api\/docs\/$/, 'the page is read at /api/docs/');
  const csp = res.headers()['content-security-policy'] || '';
  assert.match(csp, /script-src 'self';/, `the app's CSP: ${csp}`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `no relaxed CSP: ${csp}`);

  const document = await fetch(`${app.url}/api/v1/openapi.json`);
  const spec = await document.json();
  const operations = Object.values(spec.paths).flatMap((item) =>
    ['get', 'put', 'post', 'delete', 'patch'].filter((m) => item[m]),
  );

  // Swagger UI has read the document and drawn one block per operation.
  await page.locator('.opblock').first().waitFor();
  assert.equal(await page.locator('.opblock').count(), operations.length);
  await page.getByText('Search the published events').first().waitFor();
  assert.match(await page.locator('.info .title').first().textContent(), /boxoffice/);
  // The two security schemes are offered.
  await page.getByRole('button', { name: /Authorize/ }).click();
  const dialog = page.locator('.modal-ux');
  await dialog.getByText('bearer').first().waitFor();
  await dialog.getByText('queue_token').first().waitFor();
  await dialog.locator('.close-modal').click();

  // "Try it out" (on from the start) on the catalogue: a real call from the page, answered 200.
  const list = page.locator('#operations-catalogue-listEvents');
  await list.locator('.opblock-summary').click();
  const answered = page.waitForResponse((r) => r.url().startsWith(`${app.url}/api/v1/events`));
  await list.getByRole('button', { name: 'Execute' }).click();
  assert.equal((await answered).status(), 200);
  await list.locator('.live-responses-table tbody .response-col_status').first().waitFor();
  assert.match(
    await list.locator('.live-responses-table tbody .response-col_status').first().textContent(),
    /200/,
  );

  await shot(page, 'api-docs');
  assert.deepEqual(elsewhere, [], 'no request left the site');
  reader.clean();
  await reader.close();
});
