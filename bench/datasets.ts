import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The shared public test data sits beside the checkout (../shared/datasets); SAFECITY_DATASETS
// overrides. Tests and benchmarks that use it skip with a message when it is absent.
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function datasetsDir(): string {
  const candidates = [process.env.SAFECITY_DATASETS, join(REPO, '..', 'shared', 'datasets'), '/work/shared/datasets'];
  return candidates.find((d): d is string => !!d && existsSync(d)) ?? join(REPO, '..', 'shared', 'datasets');
}

/** Absolute path of a file in the datasets folder (it may not exist). */
export function dataset(relative: string): string {
  return join(datasetsDir(), relative);
}
