#!/usr/bin/env node
// Runs the test suites with node's own test runner (TypeScript through tsx).
//   npm test                  unit tests beside the code (src/**/*.test.ts) and test/*.test.ts;
//                             suites that need PostgreSQL/NATS/Chromium skip unless their env is set
//   npm test -- FILE...       only those files
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir, out = []) {
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

//   npm run test:integration  only test/ (PostgreSQL, NATS, RTSP, fuzz, browser)
//   npm run test:browser      only test/*.browser.test.ts
const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const named = args.filter((a) => !a.startsWith('--'));
let files = named.length ? named : [...walk('src'), ...walk('test'), ...walk('web/src')].sort();
if (flags.has('--integration')) files = walk('test').sort();
if (flags.has('--browser')) files = walk('test').filter((f) => f.endsWith('.browser.test.ts')).sort();
if (!files.length) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
