// Every page type, as a visitor, a buyer and an admin would see it, at a phone's width and at
// a desktop's: axe-core finds no serious or critical violation, nothing scrolls sideways on
// the phone, nothing goes wrong in the browser, and a full-page screenshot is kept.
'use strict';

const { test } = require('node:test');
const { journey } = require('../lib/suite');
const { person, axe, fitsWidth, shot, PHONE, DESKTOP } = require('../lib/browser');
const { newBuyer, register, login, findEvent, holdAndReview, payWithCard, adminToken, adminGet } = require('../lib/flows');

const data = {};
const ctx = journey({}, async ({ app, browser }) => {
  // One buyer with a paid booking and one waiting to be paid; an admin's token to look up ids.
  data.small = await findEvent(app, 'Two Rooms, One Kettle');
  data.standing = await findEvent(app, 'Late Laughs Berlin: English Stand-Up Night');
  data.arena = await findEvent(app, 'Halcyon Tide: The Lanterns Tour');
  data.buyer = newBuyer('tour');
  const setup = await person(browser, app, { name: 'setup' });
  await register(setup.page, data.buyer);
  data.paid = await holdAndReview(setup.page, data.small.id, 2);
  await payWithCard(setup.page, data.paid);
  data.pending = await holdAndReview(setup.page, data.small.id, 1);
  await setup.page.goto(`/bookings/${data.pending}`);
  await setup.page.locator('#pay-button').click();
  await setup.page.waitForURL(/\/gateway\/checkout\//);
  data.gateway = new URL(setup.page.url()).pathname;
  await setup.close();
  const token = await adminToken(app);
  const venues = await adminGet(app, token, '/api/v1/admin/venues');
  data.venue = (venues.items || venues).find((v) => v.name === 'Cowgate Studio').id;
  const arenaSection = (await (await fetch(`${app.url}/api/v1/events/${data.arena.id}/seats`)).json()).seats[0].section_id;
  data.arenaSection = arenaSection;
});

const pages = () => [
  { name: 'home', path: '/' },
  { name: 'events', path: '/events' },
  { name: 'events-search', path: '/events?q=quartet' },
  { name: 'event', path: `/events/${data.small.id}` },
  { name: 'seats-small', path: `/events/${data.small.id}/seats` },
  { name: 'seats-list', path: `/events/${data.small.id}/seats?view=list` },
  { name: 'seats-standing', path: `/events/${data.standing.id}/seats` },
  { name: 'seats-arena-sections', path: `/events/${data.arena.id}/seats` },
  { name: 'seats-arena-section', path: `/events/${data.arena.id}/seats?section=${data.arenaSection}` },
  { name: 'login', path: '/login' },
  { name: 'register', path: '/register' },
  { name: 'password-forgot', path: '/password/forgot' },
  { name: 'not-found', path: '/no/such/page', status: 404 },
  { name: 'seats-signed-in', path: `/events/${data.small.id}/seats`, as: 'buyer' },
  { name: 'account', path: '/account', as: 'buyer' },
  { name: 'account-bookings', path: '/account/bookings', as: 'buyer' },
  { name: 'booking-pending', path: `/bookings/${data.pending}`, as: 'buyer' },
  { name: 'booking-paid', path: `/bookings/${data.paid}`, as: 'buyer' },
  { name: 'payment-return', path: `/bookings/${data.paid}/payment`, as: 'buyer' },
  { name: 'tickets', path: `/bookings/${data.paid}/tickets`, as: 'buyer' },
  { name: 'gateway-checkout', path: data.gateway, as: 'buyer' },
  { name: 'admin-dashboard', path: '/admin', as: 'admin' },
  { name: 'admin-events', path: '/admin/events', as: 'admin' },
  { name: 'admin-event-new', path: '/admin/events/new', as: 'admin' },
  { name: 'admin-event-edit', path: `/admin/events/${data.small.id}/edit`, as: 'admin' },
  { name: 'admin-event-stats', path: `/admin/events/${data.small.id}`, as: 'admin' },
  { name: 'admin-event-cancel', path: `/admin/events/${data.small.id}/cancel`, as: 'admin' },
  { name: 'admin-venues', path: '/admin/venues', as: 'admin' },
  { name: 'admin-venue-new', path: '/admin/venues/new', as: 'admin' },
  { name: 'admin-venue-edit', path: `/admin/venues/${data.venue}/edit`, as: 'admin' },
  { name: 'admin-bookings', path: '/admin/bookings', as: 'admin' },
  { name: 'admin-booking', path: `/admin/bookings/${data.paid}`, as: 'admin' },
  { name: 'admin-users', path: '/admin/users', as: 'admin' },
  { name: 'admin-emails', path: '/admin/emails', as: 'admin' },
  { name: 'admin-jobs', path: '/admin/jobs', as: 'admin' },
  { name: 'admin-checkin', path: `/admin/checkin?event=${data.small.id}`, as: 'admin' },
];

for (const [width, viewport] of [['phone', PHONE], ['desktop', DESKTOP]]) {
  test(`every page at ${width} width: accessible, fits, clean`, async () => {
    const { app, browser } = ctx;
    const people = {
      visitor: await person(browser, app, { viewport, name: `visitor (${width})` }),
      buyer: await person(browser, app, { viewport, name: `buyer (${width})` }),
      admin: await person(browser, app, { viewport, name: `admin (${width})` }),
    };
    await login(people.buyer.page, data.buyer);
    await login(people.admin.page, app.admin);
    const failures = [];
    for (const p of pages()) {
      const who = people[p.as || 'visitor'];
      if (p.status) who.expect(p.status, p.path);
      await who.page.goto(p.path);
      await who.page.waitForLoadState('load');
      try {
        await axe(who.page, p.name);
      } catch (e) {
        failures.push(e.message);
      }
      try {
        if (width === 'phone') await fitsWidth(who.page, p.name);
      } catch (e) {
        failures.push(e.message);
      }
      await shot(who.page, p.name);
    }
    for (const who of Object.values(people)) {
      try {
        who.clean();
      } catch (e) {
        failures.push(e.message);
      }
      await who.close();
    }
    if (failures.length) throw new Error(failures.join('\n\n'));
  });
}
