// What people do again and again in the journeys, done the way they do it: through the pages.
'use strict';

const assert = require('node:assert/strict');

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
  await page.waitForSelector('#signed-in-as');
  assert.equal(await page.locator('#signed-in-as').textContent(), buyer.name);
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
  await page.waitForSelector(`#seat-svg [data-seat-id="${seatId}"][data-status="${status}"]`, {
    timeout,
  });
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

module.exports = {
  newBuyer,
  register,
  login,
  logout,
  findEvent,
  seatStates,
  seatIs,
  adminToken,
  adminGet,
};
