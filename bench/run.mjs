#!/usr/bin/env node
// `npm run bench -- NAME [args…]` runs bench/NAME.bench.ts under tsx with the remaining arguments.
// A benchmark prints a table for people, then as its last line one JSON object of its figures.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const [name, ...args] = process.argv.slice(2);
const available = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.bench.ts')).map((f) => f.slice(0, -'.bench.ts'.length));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME [args…]\nbenchmarks: ${available.join(', ') || '(none)'}`);
  process.exit(2);
}
const file = `bench/${name}.bench.ts`;
if (!existsSync(file)) process.exit(2);
const result = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
