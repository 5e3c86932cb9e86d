// `node lib/template.js create` prints the seeded template's name (a SQLite file, or a
// PostgreSQL database when E2E_DATABASE_URL is set); `node lib/template.js drop NAME` removes it.
'use strict';

const { createTemplate, dropTemplate } = require('./app');

const [command, value] = process.argv.slice(2);
if (command === 'create') {
  process.stdout.write(`${createTemplate()}\n`);
} else if (command === 'drop' && value) {
  dropTemplate(value);
} else {
  process.stderr.write('usage: node lib/template.js create | drop NAME\n');
  process.exit(2);
}
