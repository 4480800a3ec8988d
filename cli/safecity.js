#!/usr/bin/env node
// The safecity CLI. TypeScript sources run through tsx's loader, so a fresh clone needs no compile step.
import { register } from 'tsx/esm/api';
register();
await import('../src/main.ts');
