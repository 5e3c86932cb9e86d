// What people do again and again in the journeys, done the way they do it: through the pages.
'use strict';

const assert = require('node:assert/strict');
const { waitForEmail } = require('./mail');

let counter = 0;
function newBuyer(label = 'buyer') {
  counter += 1;
  const tag = `${label}${counter}-${process.pid}`;
  return { name: `Buyer ${tag}`, email: `${tag}@example.test`, password: 'correct horse battery' };
}

async function register(page, buyer) {
  await page.goto('/register');
  await page.getByLabel('Name').fill(buyer.name);
  await page.getByLabel('Email').fill(buyer.email);
  await page.getByLabel('Password (at least 10 characters)').fill(buyer.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  // The same "check your inbox" answer whether or not the address is new (issue 16); the new
  // account then logs in with its password.
  await page.waitForSelector('#register-sent');
  assert.match(await page.locator('#register-sent').textContent(), /Check your inbox/);
  assert.equal(await page.locator('#signed-in-as').count(), 0);
  await page.locator('#register-login').click();
  await page.waitForSelector('#login-title');
  await page.getByLabel('Email').fill(buyer.email);
  await page.getByLabel('Password', { exact: true }).fill(buyer.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForSelector('#signed-in-as');
  assert.equal(await page.locator('#signed-in-as').textContent(), buyer.name);
}

// Opens the link of the welcome email, as a new buyer does to confirm the address (a waiting
// room is for confirmed accounts). The link's host is the app's public URL: only its path is
// followed, on the journey's server.
async function confirmEmail(page, app, buyer) {
  const mail = await waitForEmail(app.mailDir, 'welcome', buyer.email);
  const link = mail.links.find((l) => l.includes('/account/verify?token='));
  assert.ok(link, `the welcome email has a confirmation link: ${mail.links.join(' ')}`);
  const url = new URL(link);
  await page.goto(url.pathname + url.search);
  await page.waitForSelector('#verify-result');
  assert.equal(await page.locator('#verify-title').textContent(), 'Email address confirmed');
}

async function login(page, who, next) {
  await page.goto(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForSelector('#signed-in-as');
}

async function logout(page) {
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.waitForSelector('a[href="/login"]');
}

// An event of the demo, found through the public JSON API by its title.
async function findEvent(app, title) {
  const res = await fetch(`${app.url}/api/v1/events?q=${encodeURIComponent(title)}`);
  assert.equal(res.status, 200);
  const { items } = await res.json();
  const event = items.find((e) => e.title === title);
  assert.ok(event, `the demo has "${title}"`);
  return event;
}

async function seatStates(app, eventId) {
  const res = await fetch(`${app.url}/api/v1/events/${eventId}/seats`);
  assert.equal(res.status, 200);
  return res.json();
}

// Waits until a seat on the page shows `status` (after a click, or a live update).
async function seatIs(page, seatId, status, timeout = 5_000) {
  try {
    await page.waitForSelector(`#seat-svg [data-seat-id="${seatId}"][data-status="${status}"]`, {
      timeout,
    });
  } catch (e) {
    const now = await page
      .locator(`[data-seat-id="${seatId}"]`)
      .evaluateAll((els) => els.map((el) => `${el.closest('#seat-svg') ? 'map' : 'elsewhere'}: ${el.outerHTML.slice(0, 400)}`));
    throw new Error(`seat ${seatId} is not ${status} after ${timeout} ms; on the page: ${now.join(' | ')}`, { cause: e });
  }
}

// The admin's bearer token, for reading what the journey did (never for doing it).
async function adminToken(app) {
  const res = await fetch(`${app.url}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: app.admin.email, password: app.admin.password }),
  });
  assert.equal(res.status, 200, 'the admin logs in through the API');
  return (await res.json()).token;
}

async function adminGet(app, token, path) {
  const res = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, `GET ${path}`);
  return res.json();
}

// Holds `n` free seats of an event by clicking them on its map, then goes to the booking page;
// returns the booking's reference.
async function holdAndReview(page, eventId, n) {
  await page.goto(`/events/${eventId}/seats`);
  for (let i = 0; i < n; i += 1) {
    const free = page.locator('#seat-svg .seat[data-status="available"]').first();
    const id = await free.getAttribute('data-seat-id');
    await free.click();
    await seatIs(page, id, 'mine');
  }
  await page.locator('#checkout').click();
  await page.waitForURL(/\/bookings\/[A-Z0-9-]+$/);
  return page.locator('#booking').getAttribute('data-reference');
}

// Pays the booking on screen with a card at the simulated gateway; waits for the outcome.
async function payWithCard(page, reference, card = '4242 4242 4242 4242') {
  await page.goto(`/bookings/${reference}`);
  await page.locator('#pay-button').click();
  await page.waitForURL(/\/gateway\/checkout\//);
  await page.getByLabel('Card number').fill(card);
  await page.locator('#gw-pay').click();
  await page.waitForURL(new RegExp(`/bookings/${reference}/payment`));
  await page.waitForSelector('#payment-state:not([data-state="processing"])', { timeout: 20_000 });
  return page.locator('#payment-state').getAttribute('data-state');
}

module.exports = {
  holdAndReview,
  payWithCard,
  newBuyer,
  register,
  confirmEmail,
  login,
  logout,
  findEvent,
  seatStates,
  seatIs,
  adminToken,
  adminGet,
};
