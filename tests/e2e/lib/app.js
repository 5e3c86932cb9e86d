// The real boxoffice, started for one journey: its own database (a fresh SQLite file, or a
// fresh PostgreSQL database when E2E_DATABASE_URL names a server), its own mail folder, a free
// port on loopback, the demo data seeded, and an admin whose password the journey knows.
'use strict';

const { spawn, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = process.env.BOXOFFICE_BIN || path.join(ROOT, 'target', 'debug', 'boxoffice');
const ADMIN = { email: 'admin@e2e.test', password: 'e2e admin password 1' };

let seeded = null; // the seeded template: a SQLite file or a PostgreSQL database name

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function pgUrl(database) {
  const url = new URL(process.env.E2E_DATABASE_URL);
  url.pathname = '/' + database;
  return url.toString();
}

function psql(sql) {
  execFileSync('psql', [process.env.E2E_DATABASE_URL, '-v', 'ON_ERROR_STOP=1', '-qc', sql], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function run(args, env) {
  execFileSync(BIN, args, { env: { ...process.env, ...env, RUST_LOG: 'warn' }, stdio: ['ignore', 2, 2] });
}

// Migrates and seeds a database with the demo and the journeys' admin: every journey starts
// from a copy of it. `tests/e2e/run` makes it once for the whole run and names it in
// E2E_TEMPLATE; a journey file run on its own makes its own (and removes it at exit).
function createTemplate() {
  if (!fs.existsSync(BIN)) {
    throw new Error(`${BIN} is missing: build it first (cargo build), or run tests/e2e/run`);
  }
  const admin = ['admin', 'create', '--email', ADMIN.email, '--password', ADMIN.password];
  if (process.env.E2E_DATABASE_URL) {
    const name = `boxoffice_e2e_tpl_${process.pid}`;
    psql(`DROP DATABASE IF EXISTS ${name}`);
    psql(`CREATE DATABASE ${name}`);
    const env = { DATABASE_URL: pgUrl(name), BOXOFFICE_BCRYPT_COST: '4' };
    run(['migrate'], env);
    run(['seed-demo'], env);
    run(admin, env);
    return name;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-e2e-tpl-'));
  const file = path.join(dir, 'boxoffice.db');
  const env = { DATABASE_URL: `sqlite://${file}`, BOXOFFICE_BCRYPT_COST: '4' };
  run(['migrate'], env);
  run(['seed-demo'], env);
  run(admin, env);
  return file;
}

function dropTemplate(value) {
  if (process.env.E2E_DATABASE_URL) {
    psql(`DROP DATABASE IF EXISTS ${value} WITH (FORCE)`);
  } else {
    fs.rmSync(path.dirname(value), { recursive: true, force: true });
  }
}

function template() {
  if (seeded) return seeded;
  let value = process.env.E2E_TEMPLATE;
  if (!value) {
    value = createTemplate();
    process.on('exit', () => {
      try {
        dropTemplate(value);
      } catch {}
    });
  }
  seeded = process.env.E2E_DATABASE_URL ? { pg: value } : { sqlite: value };
  return seeded;
}

// Starts a server; `env` adds or overrides settings (BOXOFFICE_HOLD_SECONDS, say).
async function startApp(env = {}) {
  const tpl = template();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-e2e-'));
  let databaseUrl;
  let dropDatabase = () => {};
  if (tpl.pg) {
    const name = `boxoffice_e2e_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
    psql(`CREATE DATABASE ${name} TEMPLATE ${tpl.pg}`);
    databaseUrl = pgUrl(name);
    dropDatabase = () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } else {
    const file = path.join(dir, 'boxoffice.db');
    fs.copyFileSync(tpl.sqlite, file);
    databaseUrl = `sqlite://${file}`;
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const mailDir = path.join(dir, 'mail');
  const log = fs.openSync(path.join(dir, 'server.log'), 'a');
  const child = spawn(BIN, ['serve'], {
    // From the repository, as `cargo run` serves: static/ is found there whoever built BIN.
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      BOXOFFICE_BIND: `127.0.0.1:${port}`,
      BOXOFFICE_MAIL_DIR: mailDir,
      BOXOFFICE_SECRET_KEY: crypto.randomBytes(48).toString('hex'),
      BOXOFFICE_BCRYPT_COST: '4',
      BOXOFFICE_LOG_FORMAT: 'pretty',
      RUST_LOG: process.env.RUST_LOG || 'warn',
      ...env,
    },
    stdio: ['ignore', log, log],
  });
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      throw new Error(`boxoffice exited (${JSON.stringify(exited)}):\n${serverLog(dir)}`);
    }
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`boxoffice did not answer on ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    mailDir,
    dir,
    admin: ADMIN,
    log: () => serverLog(dir),
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        await new Promise((resolve) => {
          if (exited) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.on('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      fs.closeSync(log);
      dropDatabase();
      if (!process.env.E2E_KEEP) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function serverLog(dir) {
  try {
    return fs.readFileSync(path.join(dir, 'server.log'), 'utf8');
  } catch {
    return '';
  }
}

module.exports = { startApp, createTemplate, dropTemplate, ROOT };
