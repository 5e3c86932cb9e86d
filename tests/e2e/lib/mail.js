// The emails the app wrote as .eml files (no SMTP in tests): wait for one of a kind, read
// its plain-text part, find its links.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

function decode(body, encoding) {
  switch ((encoding || '').toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable': {
      const bytes = body
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16)));
      return Buffer.from(bytes, 'latin1').toString('utf8');
    }
    default:
      return body;
  }
}

// The text/plain part of a MIME message (the first one, however deeply nested).
function plainText(raw) {
  const parts = raw.split(/\r?\n--[^\r\n]+\r?\n/);
  for (const part of parts) {
    const split = part.search(/\r?\n\r?\n/);
    if (split < 0) continue;
    const head = part.slice(0, split);
    if (!/content-type:\s*text\/plain/i.test(head)) continue;
    const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(head)?.[1];
    const body = part.slice(split).replace(/^\r?\n\r?\n/, '');
    return decode(body, encoding);
  }
  throw new Error('no text/plain part in the message');
}

function header(raw, name) {
  const head = raw.slice(0, raw.search(/\r?\n\r?\n/));
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  return new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(unfolded)?.[1] ?? null;
}

// Waits until an email of `kind` (the file name ends with it) to `to` is in the folder.
async function waitForEmail(mailDir, kind, to, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const files = fs.existsSync(mailDir) ? fs.readdirSync(mailDir) : [];
    for (const f of files.filter((f) => f.endsWith(`-${kind}.eml`)).sort()) {
      const raw = fs.readFileSync(path.join(mailDir, f), 'utf8');
      if ((header(raw, 'To') || '').includes(to)) {
        const text = plainText(raw);
        return { file: f, subject: header(raw, 'Subject'), text, links: text.match(/https?:\/\/\S+/g) || [] };
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`no ${kind} email to ${to} in ${mailDir} (have: ${files.join(', ')})`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

module.exports = { waitForEmail };
