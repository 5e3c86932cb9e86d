// The waiting room (issue 20, WAITING_ROOM.md §3.8, §3.12, F1, F3), seen by the people in it.
// An admin turns an event's room on in the box office's form (the sale's start, 25 s away, is
// set through the admin JSON API: the event form's datetime-local has minutes only). Buyers
// with confirmed accounts join before the sale; at the draw their pages show a number without
// reloading; the visible tab claims its turn by itself and lands on the seat map; the buyer
// holds a seat and pays, which ends the turn and lets the next one in (a cap of one active
// buyer makes the order visible). The same account in a second tab, and on a second device,
// sees the same number. Without JavaScript: joining, waiting (the page refreshes itself),
// claiming and leaving are buttons. The status region is a polite live region; axe-core finds
// nothing on the waiting pages.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { journey } = require('../lib/suite');
const { person, axe, fitsWidth, shot, PHONE } = require('../lib/browser');
const {
  newBuyer,
  register,
  confirmEmail,
  login,
  findEvent,
  seatIs,
  payWithCard,
  adminToken,
  adminGet,
} = require('../lib/flows');

const ctx = journey();

// How far ahead each journey's sale starts: long enough to join before it, short enough for
// the file to stay quick. The draw runs 2 s after the sale starts; the pre-queue's pages ask
// every 4-6 s near it.
const SALE_IN_SECONDS = 25;
const AFTER_DRAW_MS = (SALE_IN_SECONDS + 25) * 1000;

// The event's sale starts `seconds` from now (PATCH /api/v1/admin/events/{id}); returns when.
async function saleIn(app, token, eventId, seconds) {
  const event = await adminGet(app, token, `/api/v1/admin/events/${eventId}`);
  const at = new Date(Date.now() + seconds * 1000);
  at.setMilliseconds(0);
  const res = await fetch(`${app.url}/api/v1/admin/events/${eventId}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ version: event.version, sales_start_at: at.toISOString() }),
  });
  assert.equal(res.status, 200, `PATCH sales_start_at: ${await res.text()}`);
  return at;
}

// The admin turns the room on in the box office's form: the pre-queue open at once, `rate`
// calls a minute, at most `cap` buyers choosing seats at a time.
async function turnOnRoom(admin, eventId, sale, { rate, cap }) {
  const { page } = admin;
  await page.goto(`/admin/events/${eventId}/waiting-room`);
  assert.match(await page.locator('#queue-gates').textContent(), /The room is off/);
  const shown = Date.parse(await page.locator('#sale-start').getAttribute('datetime'));
  assert.equal(shown, sale.getTime(), 'the page shows the sale (and draw) time that was set');
  await page.getByLabel('Waiting room on').check();
  await page.getByLabel(/^Pre-queue opens at/).fill('');
  await page.getByLabel(/^Calls per minute R/).fill(String(rate));
  await page.getByLabel(/^Most active buyers M/).fill(String(cap));
  await page.getByRole('button', { name: 'Save the settings' }).click();
  await page.waitForSelector('#flash');
  assert.match(await page.locator('#flash').textContent(), /settings were saved/);
  assert.equal(await page.locator('#queue-phase').getAttribute('data-phase'), 'prequeue');
  assert.match(await page.locator('#queue-gates').textContent(), /The room is prequeue/);
}

// A new buyer with a confirmed email address, signed in.
async function confirmedBuyer(browser, app, label, options) {
  const who = newBuyer(label);
  const buyer = await person(browser, app, { name: label, ...options });
  await register(buyer.page, who);
  await confirmEmail(buyer.page, app, who);
  return { ...buyer, who };
}

// Every document the page's main frame loads, in order (a reload, a meta refresh and a
// redirect each add one; an htmx swap adds none).
function documents(page) {
  const urls = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) urls.push(new URL(frame.url()).pathname);
  });
  return urls;
}

// The status fragments the page's polls brought (htmx swaps them in).
function fragments(page) {
  const bodies = [];
  page.on('response', async (res) => {
    if (new URL(res.url()).pathname.endsWith('/queue/status')) {
      bodies.push(await res.text().catch(() => ''));
    }
  });
  return bodies;
}

// Reads an element's text, again if the page was replacing itself (a meta refresh) meanwhile.
async function textOf(page, selector) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return (await page.locator(selector).textContent({ timeout: 5_000 })).trim();
    } catch (e) {
      if (attempt >= 5) throw e;
      await page.waitForLoadState('load').catch(() => {});
    }
  }
}

// From the event page, whose banner says the waiting room is open (the pages read a snapshot
// of the rooms taken every second: a page opened in the second after the admin saved may not
// know the room yet), to the waiting room, and into the line.
async function joinFromEventPage(page, eventId) {
  for (let tries = 0; ; tries += 1) {
    await page.goto(`/events/${eventId}`);
    const banner = await page
      .locator('#queue-banner')
      .getAttribute('data-queue', { timeout: 1_000 })
      .catch(() => null);
    if (banner === 'prequeue') break;
    assert.ok(tries < 10, `the event page says the waiting room is open (banner: ${banner})`);
    await page.waitForTimeout(500);
  }
  assert.match(await textOf(page, '#queue-banner'), /The waiting room is open/);
  await page.getByRole('link', { name: 'Join the waiting room' }).click();
  await page.waitForURL(`**/events/${eventId}/queue`);
  assert.match(await textOf(page, '#queue-headline'), /join before the sale starts/);
  await page.getByRole('button', { name: 'Join the line' }).click();
}

// The page before the draw: the sale's time, the promise that joining time does not matter.
async function assertPrequeue(page, sale) {
  await page.waitForSelector('#queue-status[data-phase="prequeue"][data-state="waiting"]');
  assert.match(
    await textOf(page, '#queue-headline'),
    /When the sale starts, everyone here gets a random place/,
  );
  assert.match(await textOf(page, '#queue-status'), /When you joined does not matter/);
  const draw = Date.parse(await page.locator('#queue-draw').getAttribute('datetime'));
  // The page's "Sale starts" is the draw's time: the sale's start plus the 2 s the draw waits.
  assert.ok(
    draw >= sale.getTime() && draw <= sale.getTime() + 2_000,
    `the sale time shown (${new Date(draw).toISOString()}) is the sale's (${sale.toISOString()})`,
  );
  assert.match(await textOf(page, '#queue-draw'), /\d\d:\d\d/);
  assert.match(await textOf(page, '#queue-prequeue'), /^\d+$/);
  assert.equal(await page.locator('#queue-number').count(), 0, 'no number before the draw');
  assert.equal(await page.locator('#queue-announce').getAttribute('aria-live'), 'polite');
  assert.equal(await page.locator('#queue-status').getAttribute('aria-live'), null, 'polls are not announced');
}

// Marks on the way through a journey, printed at its end (where the time went).
function stopwatch() {
  const start = Date.now();
  const marks = [];
  return {
    mark(label) {
      marks.push(`${label} ${((Date.now() - start) / 1000).toFixed(1)} s`);
    },
    print() {
      console.log(`  ${marks.join(', ')}`);
    },
  };
}

// axe-core finds nothing at all (not only nothing serious) on a waiting page.
async function axeClean(page, label) {
  const all = await axe(page, label);
  assert.deepEqual(all, [], `axe on ${label}: every violation`);
}

// axe-core cannot run in a page without JavaScript (its checks wait on timers, which never
// fire there). So the page a browser without JavaScript was served is shown, as it was (its
// scripts and its <noscript> refresh taken out: neither ran or shows), at the same address in
// a browser that can run axe.
async function axeCleanWithoutScripts(browser, app, page, label) {
  let html;
  for (let attempt = 1; !html; attempt += 1) {
    try {
      html = await page.content();
    } catch (e) {
      if (attempt >= 5) throw e; // the page was refreshing itself: read it again
      await page.waitForLoadState('load').catch(() => {});
    }
  }
  html = html
    .replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '')
    .replace(/<noscript>[\s\S]*?<\/noscript>/gi, '');
  const viewer = await person(browser, app, { name: `axe: ${label}`, viewport: page.viewportSize() });
  const url = page.url();
  await viewer.page.route(url, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
  );
  await viewer.page.goto(url);
  await axeClean(viewer.page, label);
  viewer.clean();
  await viewer.close();
}

const JOURNEY =
  'join before the sale; at the draw the pages show a number without reloading; the visible ' +
  'tab claims its turn by itself; hold and pay; a second tab and a second device show the ' +
  'same number';
test(JOURNEY, { timeout: 120_000 }, async () => {
  const { app, browser } = ctx;
  const clock = stopwatch();
  const event = await findEvent(app, 'Two Rooms, One Kettle');
  const queuePath = `/events/${event.id}/queue`;
  const seatsPath = `/events/${event.id}/seats`;
  const admin = await person(browser, app, { name: 'admin' });
  await login(admin.page, app.admin);
  const ailsa = await confirmedBuyer(browser, app, 'ailsa');
  const tomasz = await confirmedBuyer(browser, app, 'tomasz', { viewport: PHONE });

  const token = await adminToken(app);
  const sale = await saleIn(app, token, event.id, SALE_IN_SECONDS);
  await turnOnRoom(admin, event.id, sale, { rate: 60, cap: 1 });
  clock.mark('room on');
  await shot(admin.page, 'queue-admin-prequeue');

  // Each finds the waiting room from the event page and joins.
  await joinFromEventPage(ailsa.page, event.id);
  await assertPrequeue(ailsa.page, sale);
  await axeClean(ailsa.page, 'the waiting room before the sale');
  await shot(ailsa.page, 'queue-prequeue');
  await joinFromEventPage(tomasz.page, event.id);
  await assertPrequeue(tomasz.page, sale);
  await fitsWidth(tomasz.page, 'the waiting room on a phone');
  // The count of people waiting for the draw reaches Ailsa's page by its polls.
  await ailsa.page.waitForFunction(
    () => document.querySelector('#queue-prequeue')?.textContent === '2',
    null,
    { timeout: 12_000 },
  );

  // From here on nobody reloads or clicks: the polls bring the draw.
  clock.mark('both joined');
  // Everything the screen-reader region says from now on, in order.
  for (const b of [ailsa, tomasz]) {
    await b.page.evaluate(() => {
      const region = document.querySelector('#queue-announce');
      window.announced = [];
      new MutationObserver(() => {
        if (region.textContent.trim()) window.announced.push(region.textContent.trim());
      }).observe(region, { childList: true, characterData: true, subtree: true });
    });
  }
  const pages = new Map(
    [ailsa, tomasz].map((b) => [b, { docs: documents(b.page), polls: fragments(b.page) }]),
  );
  const first = await Promise.any(
    [ailsa, tomasz].map((b) =>
      b.page.waitForURL(`**${seatsPath}`, { timeout: AFTER_DRAW_MS }).then(() => b),
    ),
  );
  const second = first === ailsa ? tomasz : ailsa;
  clock.mark('number 1 on the map');

  // The first number was shown by a poll, then the visible tab claimed its turn by itself: the
  // only document it loaded since joining is the seat map.
  const mine = pages.get(first);
  assert.deepEqual(mine.docs, [seatsPath], `${first.name}: no reload between joining and the map`);
  assert.ok(
    mine.polls.some((b) => /id="queue-number">1</.test(b)),
    `${first.name}'s page was shown number 1 by a poll`,
  );
  await first.page.waitForSelector('#seat-svg .seat[data-status="available"]');

  // The second number waits its turn (one buyer at a time), on the page it joined from.
  const theirs = pages.get(second);
  await second.page.waitForSelector('#queue-number');
  assert.equal(await textOf(second.page, '#queue-number'), '2');
  assert.deepEqual(theirs.docs, [], `${second.name}: the number came without a reload`);
  assert.match(await textOf(second.page, '#queue-headline'), /You're in line/);
  assert.match(await textOf(second.page, '#queue-ahead'), /^at most [01] (person|people)$/);
  assert.equal(await second.page.locator('#queue-announce').getAttribute('aria-live'), 'polite');
  // The live region spoke at the milestones (the draw gave a number: a new headline; then,
  // perhaps, the first number's turn brought this one to the front), never once per poll.
  const announced = await second.page.evaluate(() => window.announced);
  assert.ok(
    announced.some((text) => /You're in line/.test(text)),
    `the draw's number was announced: ${JSON.stringify(announced)}`,
  );
  assert.ok(announced.length <= 3, `milestones only, not polls: ${JSON.stringify(announced)}`);
  assert.equal(await second.page.locator('#queue-status').getAttribute('data-phase'), 'open');
  await axeClean(second.page, 'the waiting room with a number');
  await shot(second.page, 'queue-number');

  // The same account in a second tab sees the same place (the cookie is the browser's) ...
  const tab = await second.context.newPage();
  await tab.goto(queuePath);
  assert.equal(await textOf(tab, '#queue-number'), '2', 'a second tab shows the same number');
  assert.equal(await tab.locator('#join-form').count(), 0, 'a second tab is not asked to join');
  await tab.close();
  // ... and on another device, joining again gives the same place (one ticket per account).
  const device = await person(browser, app, { name: `${second.name} on another device` });
  await login(device.page, second.who, queuePath);
  await device.page.waitForURL(`**${queuePath}`);
  await device.page.getByRole('button', { name: 'Join the line' }).click();
  await device.page.waitForSelector('#queue-number');
  assert.equal(await textOf(device.page, '#queue-number'), '2', 'another device shows the same number');
  device.clean();
  await device.close();

  // The box office's live panel shows the draw without a reload (it polls every 5 s).
  await admin.page.waitForSelector('#queue-phase[data-phase="open"]', { timeout: 15_000 });
  await admin.page.waitForFunction(
    () => /^2 tickets at /.test(document.querySelector('[data-figure="drawn"]')?.textContent ?? ''),
    null,
    { timeout: 15_000 },
  );
  await shot(admin.page, 'queue-admin-open');

  // The first buyer holds a seat on the map the turn opened, and pays.
  const seat = first.page.locator('#seat-svg .seat[data-status="available"]').first();
  const seatId = await seat.getAttribute('data-seat-id');
  await seat.click();
  await seatIs(first.page, seatId, 'mine');
  await first.page.locator('#checkout').click();
  await first.page.waitForURL(/\/bookings\/[A-Z0-9-]+$/);
  const reference = await first.page.locator('#booking').getAttribute('data-reference');
  assert.equal(await payWithCard(first.page, reference), 'paid');
  assert.equal(await first.page.locator('#tickets li.ticket').count(), 1);
  clock.mark('paid');

  // Paying ended that turn: the next number is called, and the waiting tab claims by itself.
  await second.page.waitForURL(`**${seatsPath}`, { timeout: 20_000 });
  clock.mark('number 2 on the map');
  assert.deepEqual(theirs.docs, [seatsPath], `${second.name}: no reload, the number, the map`);
  const other = second.page.locator('#seat-svg .seat[data-status="available"]').first();
  const otherId = await other.getAttribute('data-seat-id');
  await other.click();
  await seatIs(second.page, otherId, 'mine');

  const room = await adminGet(app, token, `/api/v1/admin/events/${event.id}/waiting-room`);
  assert.equal(room.phase, 'open');
  assert.equal(room.cursor, 2, 'both numbers were called');
  assert.equal(room.active, 1, 'the second buyer is choosing seats; the first is done');
  clock.print();

  for (const p of [admin, ailsa, tomasz]) p.clean();
  for (const p of [admin, ailsa, tomasz]) await p.close();
});

const WITHOUT_JS =
  'without JavaScript: join, wait (the page refreshes itself), claim, and leave with buttons';
test(WITHOUT_JS, { timeout: 120_000 }, async () => {
  const { app, browser } = ctx;
  const clock = stopwatch();
  const event = await findEvent(app, 'Fergus Lamont: Half a Haggis');
  const queuePath = `/events/${event.id}/queue`;
  const seatsPath = `/events/${event.id}/seats`;
  const admin = await person(browser, app, { name: 'admin' });
  await login(admin.page, app.admin);
  const ines = await confirmedBuyer(browser, app, 'ines', { javaScript: false });
  const omar = await confirmedBuyer(browser, app, 'omar', { javaScript: false, viewport: PHONE });

  const token = await adminToken(app);
  const sale = await saleIn(app, token, event.id, SALE_IN_SECONDS);
  await turnOnRoom(admin, event.id, sale, { rate: 60, cap: 1 });
  clock.mark('room on');

  for (const b of [ines, omar]) {
    await joinFromEventPage(b.page, event.id);
    await assertPrequeue(b.page, sale);
    const refresh = await b.page.locator('head noscript').innerHTML();
    assert.match(refresh, /<meta http-equiv="refresh" content="\d+">/, 'the page refreshes itself');
  }
  await axeCleanWithoutScripts(browser, app, omar.page, 'the waiting room without JavaScript');

  clock.mark('both joined');

  // Nobody clicks: the meta refresh reloads the page until the draw has numbered it.
  const docs = new Map([ines, omar].map((b) => [b, documents(b.page)]));
  await Promise.all(
    [ines, omar].map((b) => b.page.waitForSelector('#queue-number', { timeout: AFTER_DRAW_MS })),
  );
  for (const b of [ines, omar]) {
    assert.ok(docs.get(b).length >= 1, `${b.name}'s page refreshed itself`);
    assert.ok(docs.get(b).every((p) => p === queuePath), `${b.name} stayed on the waiting page`);
  }
  const numbers = await Promise.all([ines, omar].map((b) => textOf(b.page, '#queue-number')));
  assert.deepEqual([...numbers].sort(), ['1', '2'], 'the draw gave them 1 and 2');
  const [first, second] = numbers[0] === '1' ? [ines, omar] : [omar, ines];
  clock.mark('numbered');

  // Number 1 is called: the page says so (on its next refresh) and the claim is a button.
  await first.page.waitForSelector('#claim-form', { timeout: 10_000 });
  assert.equal(await textOf(first.page, '#queue-headline'), "It's your turn!");
  await axeCleanWithoutScripts(browser, app, first.page, 'the turn without JavaScript');
  await shot(first.page, 'queue-nojs-called');
  await first.page.getByRole('button', { name: 'Choose my seats' }).click();
  await first.page.waitForURL(`**${seatsPath}`);
  await first.page.waitForSelector('#seat-svg');
  clock.mark('number 1 on the map');

  // Number 2 waits, then leaves with the button: the place is gone.
  assert.match(await textOf(second.page, '#queue-headline'), /You're in line/);
  await second.page.getByRole('button', { name: 'Leave the line' }).click();
  await second.page.waitForURL(new RegExp(`/events/${event.id}$`));
  assert.match(await textOf(second.page, '#flash'), /You left the line/);
  await second.page.goto(queuePath);
  assert.equal(await second.page.locator('#queue-number').count(), 0, 'no number any more');
  assert.equal(await second.page.locator('#leave-form').count(), 0);
  assert.equal(await second.page.getByRole('button', { name: 'Join the line' }).count(), 1);
  assert.match(await textOf(second.page, '#queue-headline'), /join the line to choose seats/);
  await shot(second.page, 'queue-nojs-left');
  clock.mark('number 2 left');

  // The box office sees one buyer choosing seats and nobody left waiting.
  await admin.page.reload();
  assert.match(await textOf(admin.page, '[data-figure="active"]'), /^1\b/);
  assert.equal(await textOf(admin.page, '[data-figure="waiting_tickets"]'), '0');

  clock.print();
  for (const p of [admin, ines, omar]) p.clean();
  for (const p of [admin, ines, omar]) await p.close();
});
