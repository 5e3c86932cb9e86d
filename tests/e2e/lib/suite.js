// A journey file's app and browser: started before its tests, stopped after them.
'use strict';

const { before, after } = require('node:test');
const { startApp } = require('./app');
const { launch } = require('./browser');

// `env` adds settings for this file's server (BOXOFFICE_HOLD_SECONDS, say); `setup(ctx)`
// prepares what the file's tests share, once both are up. The returned object has `app` and
// `browser` once the tests run.
function journey(env = {}, setup = async () => {}) {
  const ctx = { app: null, browser: null };
  before(async () => {
    ctx.app = await startApp(env);
    ctx.browser = await launch();
    await setup(ctx);
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.app?.stop();
  });
  return ctx;
}

module.exports = { journey };
