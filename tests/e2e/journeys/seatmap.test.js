// The live seat map: seats chosen by mouse and by keyboard alone, the countdown, removing a
// seat, another viewer seeing every change within a second, best available, standing tickets.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { journey } = require('../lib/suite');
const { person, axe } = require('../lib/browser');
const { newBuyer, register, findEvent, seatIs } = require('../lib/flows');

const ctx = journey();

const seat = (page, id) => page.locator(`#seat-svg [data-seat-id="${id}"]`);
const label = (page, id) => seat(page, id).getAttribute('aria-label');

test('mouse and keyboard choose seats; another viewer sees them held and freed within a second', async () => {
  const { app, browser } = ctx;
  const event = await findEvent(app, 'Two Rooms, One Kettle');
  const buyer = await person(browser, app, { name: 'buyer' });
  const watcher = await person(browser, app, { name: 'watcher' });
  await register(buyer.page, newBuyer('map'));
  await buyer.page.goto(`/events/${event.id}/seats`);
  await watcher.page.goto(`/events/${event.id}/seats`);
  await buyer.page.waitForSelector('#basket-empty');
  // Both maps are live before anything happens.
  await Promise.all([buyer.page, watcher.page].map((p) => p.waitForFunction(() => {
    const el = document.querySelector('#live');
    return el && el['htmx-internal-data']?.sseEventSource?.readyState === 1;
  })));

  // Mouse: the first free seat.
  const first = await buyer.page.locator('#seat-svg .seat[data-status="available"]').first().getAttribute('data-seat-id');
  await seat(buyer.page, first).click();
  await seatIs(buyer.page, first, 'mine');
  const clicked = Date.now();
  await seatIs(watcher.page, first, 'held', 1_000);
  const seenAfter = Date.now() - clicked;
  assert.match(await label(buyer.page, first), /in your basket/);
  assert.match(await label(watcher.page, first), /Held/i);

  // The countdown runs.
  const countdown = buyer.page.locator('#countdown');
  const t0 = await countdown.textContent();
  assert.match(t0, /^1[45]:\d\d$/, `a 15-minute hold (${t0})`);
  await buyer.page.waitForFunction((t) => document.querySelector('#countdown').textContent !== t, t0, { timeout: 2_500 });

  // Keyboard alone: Tab until a seat has the focus, arrows to the next free seat, Enter.
  await buyer.page.locator('body').focus();
  await buyer.page.goto(`/events/${event.id}/seats`); // from the top of the page
  await buyer.page.waitForSelector('#countdown');
  let onSeat = false;
  for (let i = 0; i < 80 && !onSeat; i += 1) {
    await buyer.page.keyboard.press('Tab');
    onSeat = await buyer.page.evaluate(() => document.activeElement?.classList?.contains('seat') ?? false);
  }
  assert.ok(onSeat, 'Tab reaches the seat map');
  let second = null;
  for (let i = 0; i < 30; i += 1) {
    await buyer.page.keyboard.press('ArrowRight');
    const focused = await buyer.page.evaluate(() => ({
      id: document.activeElement.getAttribute('data-seat-id'),
      status: document.activeElement.getAttribute('data-status'),
    }));
    if (focused.status === 'available') {
      second = focused.id;
      break;
    }
  }
  assert.ok(second, 'the arrow keys reach a free seat');
  await buyer.page.keyboard.press('Enter');
  await seatIs(buyer.page, second, 'mine');
  await seatIs(watcher.page, second, 'held', 1_000);
  // Focus stays on the seat after htmx redrew it, so Space gives it back.
  assert.equal(await buyer.page.evaluate(() => document.activeElement.getAttribute('data-seat-id')), second);
  await buyer.page.keyboard.press(' ');
  await seatIs(buyer.page, second, 'available');
  await seatIs(watcher.page, second, 'available', 1_000);
  await buyer.page.keyboard.press('Enter');
  await seatIs(buyer.page, second, 'mine');

  // The basket lists both; removing one there frees it for everyone.
  const lines = buyer.page.locator('#basket-lines li');
  await buyer.page.waitForFunction(() => document.querySelectorAll('#basket-lines li').length === 2);
  assert.match(await buyer.page.locator('.basket-total').textContent(), /2 tickets/);
  await buyer.page.locator(`#basket-lines li[data-seat-id="${first}"]`).getByRole('button', { name: /^Remove/ }).click();
  await seatIs(buyer.page, first, 'available');
  await seatIs(watcher.page, first, 'available', 1_000);
  assert.equal(await lines.count(), 1);

  await axe(buyer.page, 'the seat map with a basket');

  // Still by keyboard: on from the map to "Review and pay", and Enter opens the booking.
  await seat(buyer.page, second).focus();
  let onCheckout = false;
  for (let i = 0; i < 40 && !onCheckout; i += 1) {
    await buyer.page.keyboard.press('Tab');
    onCheckout = await buyer.page.evaluate(() => document.activeElement?.id === 'checkout');
  }
  assert.ok(onCheckout, 'Tab goes from the map to "Review and pay"');
  await buyer.page.keyboard.press('Enter');
  await buyer.page.waitForURL(/\/bookings\/[A-Z0-9]+$/);
  assert.equal(await buyer.page.locator('#booking-lines li').count(), 1);
  buyer.clean();
  watcher.clean();
  await buyer.close();
  await watcher.close();
  assert.ok(seenAfter <= 1_000, `seen after ${seenAfter} ms`);
});

test('best available holds seats side by side', async () => {
  const { app, browser } = ctx;
  const event = await findEvent(app, 'Two Rooms, One Kettle');
  const buyer = await person(browser, app, { name: 'buyer' });
  await register(buyer.page, newBuyer('best'));
  await buyer.page.goto(`/events/${event.id}/seats`);
  await buyer.page.getByLabel('Seats', { exact: true }).fill('3');
  await buyer.page.getByRole('button', { name: 'Find seats together' }).click();
  await buyer.page.waitForFunction(() => document.querySelectorAll('#seat-svg [data-status="mine"]').length === 3);
  const labels = await buyer.page.locator('#seat-svg [data-status="mine"]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  const parsed = labels.map((l) => /row (\w+), seat (\d+)/.exec(l)).map((m) => ({ row: m[1], n: Number(m[2]) }));
  assert.equal(new Set(parsed.map((p) => p.row)).size, 1, `one row: ${labels.join(' | ')}`);
  const numbers = parsed.map((p) => p.n).sort((a, b) => a - b);
  assert.deepEqual(numbers, [numbers[0], numbers[0] + 1, numbers[0] + 2], 'side by side');
  assert.equal(await buyer.page.locator('#basket-lines li').count(), 3);
  buyer.clean();
  await buyer.close();
});

test('standing tickets by quantity', async () => {
  const { app, browser } = ctx;
  const event = await findEvent(app, 'Late Laughs Berlin: English Stand-Up Night');
  const buyer = await person(browser, app, { name: 'buyer' });
  await register(buyer.page, newBuyer('standing'));
  await buyer.page.goto(`/events/${event.id}/seats`);
  const area = buyer.page.locator('form.standing-area').first();
  const left = Number(await area.locator('.standing-left').getAttribute('data-available'));
  await area.getByLabel('Tickets').fill('2');
  await area.getByRole('button', { name: 'Add to basket' }).click();
  await buyer.page.waitForSelector('#basket-lines li');
  assert.match(await buyer.page.locator('#basket-lines').textContent(), /× 2/);
  await buyer.page.waitForFunction(
    (n) => Number(document.querySelector('form.standing-area .standing-left').dataset.available) === n,
    left - 2,
  );
  await axe(buyer.page, 'the standing tickets');
  buyer.clean();
  await buyer.close();
});
