// The box office: an admin creates an event in the editor, publishes it, a buyer pays for a
// seat, the door checks the ticket in (valid, then "already checked in"), and cancelling the
// event refunds its buyers with the progress bar reaching 100%.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { journey } = require('../lib/suite');
const { person, axe } = require('../lib/browser');
const { waitForEmail } = require('../lib/mail');
const { newBuyer, register, login, holdAndReview, payWithCard } = require('../lib/flows');

const ctx = journey();

function inDays(days) {
  const d = new Date(Date.now() + days * 86_400_000);
  return `${d.toISOString().slice(0, 10)}T19:30`;
}

test('create, publish, sell, check in, cancel with refunds to 100%', async () => {
  const { app, browser } = ctx;
  const admin = await person(browser, app, { name: 'admin' });
  const { page } = admin;
  await login(page, app.admin);
  await page.locator('#admin-link').click();
  await page.waitForURL('**/admin');
  await axe(page, 'the dashboard');

  // The editor: a new draft at the studio theatre, one tier for its one section.
  await page.goto('/admin/events');
  await page.locator('#new-event').click();
  await page.getByLabel('Title').fill('End to End: The Musical');
  await page.getByLabel('Summary (one line for cards)').fill('A show that tests itself.');
  await page.getByLabel('Category').selectOption('theatre');
  const studio = await page.locator('#venue_id option', { hasText: 'Cowgate Studio' }).getAttribute('value');
  await page.getByLabel('Venue').selectOption(studio);
  await page.waitForSelector('#sections-block select[data-section-select]');
  await page.getByLabel('Starts').fill(inDays(30));
  await page.getByLabel('Tier 1 name').fill('Standard');
  await page.getByLabel('Tier 1 price').fill('20.00');
  await page.locator('#sections-block select[data-section-select]').first().selectOption('0');
  await axe(page, 'the event editor');
  await page.getByRole('button', { name: 'Create draft' }).click();
  await page.waitForSelector('#event-status');
  assert.equal(await page.locator('#event-status').textContent(), 'draft');
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.waitForFunction(() => document.querySelector('#event-status')?.textContent === 'published');
  const eventId = /\/admin\/events\/(\d+)/.exec(page.url())[1];

  // A buyer finds it in the catalogue and pays for a seat.
  const who = newBuyer('fan');
  const buyer = await person(browser, app, { name: 'buyer' });
  await register(buyer.page, who);
  await buyer.page.goto('/events?q=musical');
  await buyer.page.getByRole('link', { name: /End to End: The Musical/ }).first().click();
  await buyer.page.waitForURL(`**/events/${eventId}`);
  const reference = await holdAndReview(buyer.page, eventId, 1);
  assert.equal(await payWithCard(buyer.page, reference), 'paid');
  const code = await buyer.page.locator('#tickets li.ticket').first().getAttribute('data-code');

  // The door: valid once, then already checked in.
  await page.goto(`/admin/checkin?event=${eventId}`);
  await page.getByLabel(/code/i).fill(code);
  await page.getByRole('button', { name: 'Check in' }).click();
  await page.waitForSelector('#checkin-result [data-verdict="valid"]');
  assert.match(await page.locator('#door-counts').textContent(), /1\s+checked in of\s+1\s+sold/);
  await axe(page, 'door check-in');
  await page.getByLabel(/code/i).fill(code);
  await page.getByRole('button', { name: 'Check in' }).click();
  await page.waitForSelector('#checkin-result [data-verdict="already"]');
  assert.match(await page.locator('#checkin-result').textContent(), /Already checked in at \d\d:\d\d/);

  // Cancelling: the preview, the reason, then the refunds' progress to 100%.
  await page.goto(`/admin/events/${eventId}`);
  await axe(page, "an event's statistics");
  await page.goto(`/admin/events/${eventId}/cancel`);
  await axe(page, 'the cancel page');
  await page.getByLabel(/reason/i).fill('The cast has the flu.');
  await page.getByRole('button', { name: /Cancel the event and refund 1 booking/ }).click();
  await page.waitForSelector('#cancel-progress');
  await page.waitForFunction(
    () => document.querySelector('#refund-bar')?.value === document.querySelector('#refund-bar')?.max,
    null,
    { timeout: 30_000 },
  );
  assert.match(await page.locator('#refund-count').textContent(), /1 of 1 bookings refunded \(100%\)\. All done\./);
  await axe(page, 'the refunds at 100%');

  // The buyer hears of it, and the booking says so.
  await waitForEmail(app.mailDir, 'event_cancelled', who.email);
  await buyer.page.goto(`/bookings/${reference}`);
  assert.equal(await buyer.page.locator('#booking').getAttribute('data-status'), 'refunded');

  admin.clean();
  buyer.clean();
  await admin.close();
  await buyer.close();
});
