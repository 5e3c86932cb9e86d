// Accounts in the browser: register, log out, log in; the back button after logging out shows
// no private page; a session that ended while a page was open sends the next htmx action to
// the login page instead of swapping the login page into a fragment.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { journey } = require('../lib/suite');
const { person } = require('../lib/browser');
const { newBuyer, register, login, logout, findEvent } = require('../lib/flows');

const ctx = journey();

test('register, log out, log in; back after logging out shows no private page', async () => {
  const { app, browser } = ctx;
  const buyer = newBuyer('acct');
  const who = await person(browser, app, { name: 'buyer' });
  const { page } = who;
  await register(page, buyer);
  await page.goto('/account');
  assert.match(await page.locator('main').textContent(), new RegExp(buyer.email));
  await logout(page);
  assert.equal(await page.locator('#signed-in-as').count(), 0);

  // A wrong password: the form again, with a message, and still signed out.
  await page.goto('/login');
  await page.getByLabel('Email').fill(buyer.email);
  await page.getByLabel('Password', { exact: true }).fill('not the password');
  who.expect(422, '/login');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForSelector('#login-error');
  assert.equal(await page.locator('#signed-in-as').count(), 0);

  await login(page, buyer);
  await page.goto('/account/bookings');
  await page.goto('/account');
  await logout(page);
  // Back twice: to the account pages the browser saw while signed in.
  for (const _ of [1, 2]) {
    await page.goBack();
    await page.waitForLoadState('load');
    const text = await page.locator('body').textContent();
    assert.ok(!text.includes(buyer.email), `after logging out, back shows ${page.url()} with the email`);
    assert.equal(await page.locator('#signed-in-as').count(), 0, `signed-in header on ${page.url()}`);
  }
  who.clean();
  await who.close();
});

test('an htmx action after the session ended goes to the login page', async () => {
  const { app, browser } = ctx;
  const buyer = newBuyer('expired');
  const seated = await findEvent(app, 'Two Rooms, One Kettle');
  const tab = await person(browser, app, { name: 'first device' });
  await register(tab.page, buyer);
  await tab.page.goto(`/events/${seated.id}/seats`);
  const seat = tab.page.locator('#seat-svg .seat[data-status="available"]').first();
  await seat.waitFor();

  // On another device the buyer logs out everywhere: the first device's session is over.
  const other = await person(browser, app, { name: 'second device' });
  await login(other.page, buyer);
  await other.page.goto('/account');
  await other.page.getByRole('button', { name: 'Log out everywhere' }).click();
  await other.page.waitForSelector('a[href="/login"]');

  const seatId = await seat.getAttribute('data-seat-id');
  await seat.click();
  await tab.page.waitForURL(/\/login/);
  assert.equal(await tab.page.locator('h1').textContent(), 'Log in');
  assert.equal(await tab.page.locator('#seat-svg').count(), 0, 'the login page is a page, not a swap');
  // Logging in again brings the buyer back to the map, where nothing was held.
  await tab.page.getByLabel('Email').fill(buyer.email);
  await tab.page.getByLabel('Password', { exact: true }).fill(buyer.password);
  await tab.page.getByRole('button', { name: 'Log in' }).click();
  await tab.page.waitForURL(new RegExp(`/events/${seated.id}/seats`));
  await tab.page.waitForSelector(`#seat-svg [data-seat-id="${seatId}"][data-status="available"]`);

  // The same when the cookie is simply gone (a browser that dropped it).
  await tab.context.clearCookies();
  await tab.page.locator(`#seat-svg [data-seat-id="${seatId}"]`).click();
  await tab.page.waitForURL(/\/login/);
  assert.equal(await tab.page.locator('#seat-svg').count(), 0);

  tab.clean();
  other.clean();
  await tab.close();
  await other.close();
});
