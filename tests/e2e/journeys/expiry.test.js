// A hold running out, seen on screen: the countdown reaches zero, the basket says the hold ran
// out, the seat is free again on the buyer's map and on another viewer's (holds of 30 s, the
// shortest the app accepts).
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { journey } = require('../lib/suite');
const { person, axe } = require('../lib/browser');
const { newBuyer, register, findEvent, seatIs, adminToken, adminGet } = require('../lib/flows');

const ctx = journey({ BOXOFFICE_HOLD_SECONDS: '30' });

test('the basket expires on screen and the seat goes back on sale for everyone', async () => {
  const { app, browser } = ctx;
  const event = await findEvent(app, 'Two Rooms, One Kettle');
  const buyer = await person(browser, app, { name: 'buyer' });
  const watcher = await person(browser, app, { name: 'watcher' });
  await register(buyer.page, newBuyer('expiry'));
  await buyer.page.goto(`/events/${event.id}/seats`);
  await watcher.page.goto(`/events/${event.id}/seats`);
  const free = buyer.page.locator('#seat-svg .seat[data-status="available"]').first();
  const id = await free.getAttribute('data-seat-id');
  await free.click();
  await seatIs(buyer.page, id, 'mine');
  await seatIs(watcher.page, id, 'held', 1_000);
  const reference = await buyer.page.locator('#basket .reference').textContent();
  const shown = await buyer.page.locator('#countdown').textContent();
  assert.match(shown, /^0:(30|29|28)$/, `the countdown starts at the hold time (${shown})`);

  await buyer.page.waitForSelector('#basket-expired', { timeout: 45_000 });
  await seatIs(buyer.page, id, 'available', 15_000);
  await seatIs(watcher.page, id, 'available', 15_000);
  await axe(buyer.page, 'the seat map after the hold ran out');

  const detail = await adminGet(app, await adminToken(app), `/api/v1/admin/bookings/${reference}`);
  assert.equal(detail.status, 'expired');
  await buyer.page.goto(`/bookings/${reference}`);
  await buyer.page.waitForSelector('#booking-expired');
  buyer.clean();
  watcher.clean();
  await buyer.close();
  await watcher.close();
});
