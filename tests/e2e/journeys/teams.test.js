// Organizers and their teams (issue 22): a platform admin puts an editor and a door person in
// the house organizer's team; the editor builds an event that needs approval and submits it;
// the admin approves it from the dashboard; the editor publishes it; a buyer pays; the door
// person checks the ticket in and is refused everywhere else.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { journey } = require('../lib/suite');
const { person, axe } = require('../lib/browser');
const { newBuyer, register, login, holdAndReview, payWithCard } = require('../lib/flows');

const ctx = journey();

function inDays(days) {
  const d = new Date(Date.now() + days * 86_400_000);
  return `${d.toISOString().slice(0, 10)}T19:30`;
}

async function statusIs(page, status) {
  await page.waitForFunction((s) => document.querySelector('#event-status')?.textContent === s, status);
}

test('an editor submits, a platform admin approves, the editor publishes; the door checks in and nothing else', async () => {
  const { app, browser } = ctx;
  const editorWho = newBuyer('editor');
  const doorWho = newBuyer('door');
  const editor = await person(browser, app, { name: 'editor' });
  await register(editor.page, editorWho);
  const door = await person(browser, app, { name: 'door' });
  await register(door.page, doorWho);

  // The platform admin puts both in the house organizer's team.
  const admin = await person(browser, app, { name: 'admin' });
  await login(admin.page, app.admin);
  await admin.page.goto('/admin/organizers/1');
  for (const [who, role] of [[editorWho, 'editor'], [doorWho, 'door']]) {
    await admin.page.locator('#email').fill(who.email);
    await admin.page.locator('#invite-role').selectOption(role);
    await admin.page.getByRole('button', { name: 'Invite' }).click();
    await admin.page.waitForSelector(`#members tr:has-text("${who.name}")`);
  }
  await axe(admin.page, 'the team page');

  // The editor: a draft at the studio theatre, whose organizer requires approval.
  const { page } = editor;
  await page.goto('/admin');
  await page.goto('/admin/events/new');
  await page.getByLabel('Title').fill('Teams: A Play in Review');
  await page.getByLabel('Summary (one line for cards)').fill('Approved before it sells.');
  await page.getByLabel('Category').selectOption('theatre');
  const studio = await page.locator('#venue_id option', { hasText: 'Cowgate Studio' }).getAttribute('value');
  await page.getByLabel('Venue').selectOption(studio);
  await page.waitForSelector('#sections-block select[data-section-select]');
  await page.getByLabel('Starts').fill(inDays(30));
  await page.getByLabel('Tier 1 name').fill('Standard');
  await page.getByLabel('Tier 1 price').fill('18.00');
  await page.locator('#sections-block select[data-section-select]').first().selectOption('0');
  await page.getByRole('button', { name: 'Create draft' }).click();
  await statusIs(page, 'draft');
  const eventId = /\/admin\/events\/(\d+)/.exec(page.url())[1];
  assert.equal(await page.getByRole('button', { name: 'Publish' }).count(), 0, 'an editor may not publish unapproved');
  await page.getByRole('button', { name: 'Submit for review' }).click();
  await statusIs(page, 'review');

  // The admin finds it waiting on the dashboard and approves it.
  await admin.page.goto('/admin');
  await admin.page.locator(`#review li[data-event-id="${eventId}"] a`).click();
  await admin.page.getByRole('button', { name: 'Approve' }).click();
  await statusIs(admin.page, 'approved');

  // The editor publishes it; a buyer pays for a seat.
  await page.goto(`/admin/events/${eventId}/edit`);
  await page.getByRole('button', { name: 'Publish' }).click();
  await statusIs(page, 'published');
  const who = newBuyer('fan');
  const buyer = await person(browser, app, { name: 'buyer' });
  await register(buyer.page, who);
  const reference = await holdAndReview(buyer.page, eventId, 1);
  assert.equal(await payWithCard(buyer.page, reference), 'paid');
  const code = await buyer.page.locator('#tickets li.ticket').first().getAttribute('data-code');

  // The door: sent to check-in, checks the ticket in, and may do nothing else.
  await door.page.goto('/admin');
  const tabs = await door.page.locator('nav.account-tabs a').allTextContents();
  assert.deepEqual(tabs.map((t) => t.trim()), ['Overview', 'Check-in']);
  await door.page.locator('#go-checkin').click();
  await door.page.goto(`/admin/checkin?event=${eventId}`);
  await door.page.getByLabel(/code/i).fill(code);
  await door.page.getByRole('button', { name: 'Check in' }).click();
  await door.page.waitForSelector('#checkin-result [data-verdict="valid"]');
  await axe(door.page, 'door check-in as door staff');
  for (const path of ['/admin/bookings', '/admin/events', `/admin/events/${eventId}/edit`, '/admin/users']) {
    door.expect(403, path);
    const res = await door.page.goto(path);
    assert.equal(res.status(), 403, `door staff are refused ${path}`);
  }

  for (const p of [admin, editor, door, buyer]) {
    p.clean();
    await p.close();
  }
});
