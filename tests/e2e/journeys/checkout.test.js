// Paying: the test card pays (a double click on "Pay" charges once) and the tickets show; the
// confirmation email's link opens the booking; a declined card keeps the seats held.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { journey } = require('../lib/suite');
const { person, axe } = require('../lib/browser');
const { waitForEmail } = require('../lib/mail');
const { newBuyer, register, findEvent, holdAndReview, adminToken, adminGet } = require('../lib/flows');

let event;
const ctx = journey({}, async ({ app }) => {
  event = await findEvent(app, 'Two Rooms, One Kettle');
});

test('the test card pays once however often Pay is clicked; tickets and the email follow', async () => {
  const { app, browser } = ctx;
  const who = newBuyer('pay');
  const buyer = await person(browser, app, { name: 'buyer' });
  const { page } = buyer;
  await register(page, who);
  const reference = await holdAndReview(page, event.id, 2);
  assert.match(await page.locator('#booking-total').textContent(), /£36\.00/);
  await axe(page, 'the booking page before paying');

  await page.locator('#pay-button').dblclick();
  await page.waitForURL(/\/gateway\/checkout\//);
  await page.getByLabel('Card number').fill('4242 4242 4242 4242');
  await page.locator('#gw-pay').dblclick();
  await page.waitForURL(new RegExp(`/bookings/${reference}/payment`));
  await page.waitForSelector('#payment-state[data-state="paid"]', { timeout: 20_000 });
  assert.equal(await page.locator('#tickets li.ticket').count(), 2);
  assert.equal(await page.locator('#tickets li.ticket svg').count(), 2, 'each ticket has its QR code');
  await axe(page, 'the payment return page, paid');

  const token = await adminToken(app);
  const detail = await adminGet(app, token, `/api/v1/admin/bookings/${reference}`);
  assert.equal(detail.status, 'paid');
  assert.equal(detail.payments.length, 1, `one payment: ${JSON.stringify(detail.payments)}`);

  // The confirmation email's link opens the booking, on a device signed out at first.
  const mail = await waitForEmail(app.mailDir, 'booking_confirmed', who.email);
  const link = mail.links.find((l) => l.endsWith(`/bookings/${reference}`));
  assert.ok(link, `the email links to the booking: ${mail.links.join(' ')}`);
  const phone = await person(browser, app, { name: 'phone' });
  await phone.page.goto(link);
  await phone.page.waitForURL(/\/login\?next=/);
  await phone.page.getByLabel('Email').fill(who.email);
  await phone.page.getByLabel('Password', { exact: true }).fill(who.password);
  await phone.page.getByRole('button', { name: 'Log in' }).click();
  await phone.page.waitForURL(new RegExp(`/bookings/${reference}$`));
  assert.equal(await phone.page.locator('#booking').getAttribute('data-status'), 'paid');
  assert.equal(await phone.page.locator('#tickets li').count(), 2);
  await axe(phone.page, 'a paid booking');

  buyer.clean();
  phone.clean();
  await buyer.close();
  await phone.close();
});

test('a declined card says so and keeps the seats held', async () => {
  const { app, browser } = ctx;
  const buyer = await person(browser, app, { name: 'buyer' });
  const { page } = buyer;
  await register(page, newBuyer('declined'));
  const reference = await holdAndReview(page, event.id, 1);
  await page.locator('#pay-button').click();
  await page.waitForURL(/\/gateway\/checkout\//);
  await page.getByLabel('Card number').fill('4000 0000 0000 0002');
  await page.locator('#gw-pay').click();
  await page.waitForURL(new RegExp(`/bookings/${reference}/payment`));
  await page.waitForSelector('#payment-state[data-state="failed"]', { timeout: 20_000 });
  assert.match(await page.locator('#payment-state').textContent(), /still held/);
  await page.getByRole('link', { name: 'Try again' }).click();
  await page.waitForURL(new RegExp(`/bookings/${reference}$`));
  assert.equal(await page.locator('#booking').getAttribute('data-status'), 'pending');
  await page.waitForSelector('#payment-failed');
  await axe(page, 'the booking page after a declined card');
  buyer.clean();
  await buyer.close();
});

