// Browsing: the home page, the catalogue, search as you type (the URL follows, the back button
// goes back), an event's page.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { journey } = require('../lib/suite');
const { person } = require('../lib/browser');

const ctx = journey();

test('search filters as you type, keeps the URL, and the back button works', async () => {
  const { app, browser } = ctx;
  const visitor = await person(browser, app);
  const { page } = visitor;
  await page.goto('/');
  await page.getByRole('link', { name: 'Events', exact: true }).first().click();
  await page.waitForURL('**/events');

  const cards = page.locator('#results article');
  const before = await cards.count();
  assert.ok(before > 5, `the catalogue lists events (${before})`);

  await page.locator('#q').pressSequentially('Lighthouse', { delay: 30 });
  await page.waitForURL(/[?&]q=lighthouse/i);
  await page.waitForFunction(
    () => document.querySelectorAll('#results article').length === 1,
    null,
    { timeout: 5_000 },
  );
  assert.match(await cards.first().textContent(), /The Lighthouse Keeper's Daughter/);

  await page.locator('#q').fill('');
  await page.locator('#q').pressSequentially('zzznothing', { delay: 20 });
  await page.waitForURL(/[?&]q=zzznothing/i);
  await page.waitForFunction(() => document.querySelectorAll('#results article').length === 0);
  assert.match(await page.locator('#results').textContent(), /No events match/);

  await page.goBack();
  await page.waitForURL(/[?&]q=lighthouse/i);
  await page.waitForFunction(() => document.querySelectorAll('#results article').length === 1);
  assert.match(await page.locator('#q').inputValue(), /^lighthouse$/i);

  await cards.first().getByRole('link').first().click();
  await page.waitForURL(/\/events\/\d+$/);
  assert.match(await page.locator('h1').textContent(), /The Lighthouse Keeper's Daughter/);

  visitor.clean();
  await visitor.close();
});
