// Paying through LotusPay, the redirect-shaped provider (issue 23): the Pay step offers it for
// a Thamesgate Live event; the buyer is sent to LotusPay's page with signed parameters, pays
// with its test card, comes back on a signed return URL, and the booking turns paid when
// LotusPay's notification reaches the app; the box office sees the provider on the payment.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { journey } = require('../lib/suite');
const { person, axe } = require('../lib/browser');
const { newBuyer, register, findEvent, holdAndReview, adminToken, adminGet } = require('../lib/flows');

let event;
const ctx = journey({}, async ({ app }) => {
  event = await findEvent(app, 'The Ashgrove Quartet: Midnight Standards');
});

test('a buyer pays with LotusPay and the notification, not the return, makes the booking paid', async () => {
  const { app, browser } = ctx;
  const buyer = await person(browser, app, { name: 'buyer' });
  const { page } = buyer;
  await register(page, newBuyer('lotuspay'));
  const reference = await holdAndReview(page, event.id, 1);

  await page.getByLabel('Card · LotusPay').check();
  await page.locator('#pay-button').click();
  await page.waitForURL(/\/lotuspay\/pay\?.*lp_SecureHash=/);
  await axe(page, "LotusPay's hosted page");
  await page.getByLabel('Card number').fill('9704 0000 0000 0018');
  await page.locator('#lp-pay').click();
  await page.waitForURL(new RegExp(`/bookings/${reference}/payment\\?.*lp_SecureHash=`));
  await page.waitForSelector('#payment-state[data-state="paid"]', { timeout: 30_000 });
  assert.equal(await page.locator('#tickets li.ticket').count(), 1);

  const token = await adminToken(app);
  const detail = await adminGet(app, token, `/api/v1/admin/bookings/${reference}`);
  assert.equal(detail.status, 'paid');
  assert.equal(detail.payments.length, 1, JSON.stringify(detail.payments));
  assert.equal(detail.payments[0].provider, 'lotuspay');
  assert.match(detail.payments[0].external_id, /^lp_/);

  buyer.clean();
  await buyer.close();
});
