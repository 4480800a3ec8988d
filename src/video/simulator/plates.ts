// Pakistani registration numbers in the shapes seen on the road in Khyber Pakhtunkhwa: KP's own series
// (`PR 1234`, `PRE 5678`), Punjab (`LEB 6881`), Sindh (`ABC-123`) and Islamabad (`AC-4903`).
import type { Rng } from './rng.ts';

const LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ';

export type PlateFormat = 'kp' | 'punjab' | 'sindh' | 'islamabad';

/** One regular expression per format, for tests and for anyone checking simulator output. */
export const PLATE_PATTERNS: Record<PlateFormat, RegExp> = {
  kp: /^(PR|PRE|PRA|PRB|MN|MNA|SWT|ABT|KTT|BNU|DIK) [1-9][0-9]{2,3}$/,
  punjab: /^L[A-Z]{2} [1-9][0-9]{3}$/,
  sindh: /^[A-Z]{3}-[1-9][0-9]{2}$/,
  islamabad: /^[A-Z]{2}-[1-9][0-9]{3}$/,
};

const KP_SERIES = ['PR', 'PRE', 'PRA', 'PRB', 'MN', 'MNA', 'SWT', 'ABT', 'KTT', 'BNU', 'DIK'];
// A KP camera mostly sees KP plates, and some traffic from elsewhere.
const FORMAT_WEIGHTS: (readonly [PlateFormat, number])[] = [
  ['kp', 0.55],
  ['punjab', 0.2],
  ['islamabad', 0.15],
  ['sindh', 0.1],
];

function digits(rng: Rng, n: number): string {
  let s = String(rng.int(1, 9));
  for (let i = 1; i < n; i++) s += String(rng.int(0, 9));
  return s;
}

function letters(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += LETTERS[rng.int(0, LETTERS.length - 1)];
  return s;
}

export function randomPlate(rng: Rng, format: PlateFormat = rng.weighted(FORMAT_WEIGHTS)): string {
  switch (format) {
    case 'kp':
      return `${rng.pick(KP_SERIES)} ${digits(rng, rng.next() < 0.7 ? 4 : 3)}`;
    case 'punjab':
      return `L${letters(rng, 2)} ${digits(rng, 4)}`;
    case 'sindh':
      return `${letters(rng, 3)}-${digits(rng, 3)}`;
    case 'islamabad':
      return `${letters(rng, 2)}-${digits(rng, 4)}`;
  }
}

/** Hands out plates that are not already on the road in this scene. */
export class PlateRegistry {
  private readonly used = new Set<string>();

  constructor(private readonly rng: Rng) {}

  issue(): string {
    for (;;) {
      const plate = randomPlate(this.rng);
      if (!this.used.has(plate)) {
        this.used.add(plate);
        return plate;
      }
    }
  }
}
