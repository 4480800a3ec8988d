import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { ImportRowError } from './network.schema.ts';

// Reading a bulk-import file (CSV or GeoJSON) into rows of named values, and checking each row
// against a zod schema. Every problem is collected, each naming the row as the user sees it (the CSV
// line, header = line 1; the GeoJSON feature's index in `features`) and the column, so one answer
// lists everything that has to be fixed.

export type ImportFormat = 'csv' | 'geojson';

export interface ImportRow {
  /** CSV: line number of the row (header is 1). GeoJSON: index in `features`. */
  row: number;
  values: Record<string, unknown>;
}

export interface ImportColumns {
  required: readonly string[];
  optional: readonly string[];
}

export interface ReadResult {
  format: ImportFormat;
  rows: ImportRow[];
  errors: ImportRowError[];
}

/** The most rows one file may hold; a province's network fits many times over. */
export const MAX_IMPORT_ROWS = 50_000;

export function readImportFile(body: unknown, columns: ImportColumns): ReadResult {
  if (typeof body === 'string') return readCsv(body, columns);
  return readGeoJson(body, columns);
}

function readCsv(text: string, columns: ImportColumns): ReadResult {
  const errors: ImportRowError[] = [];
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, info: true, trim: true }) as unknown as typeof records;
  } catch (err) {
    const e = err as { lines?: number; message?: string };
    errors.push({ row: e.lines ?? 0, field: '(file)', message: `not valid CSV: ${e.message ?? 'cannot be read'}` });
    return { format: 'csv', rows: [], errors };
  }
  if (!records.length) return { format: 'csv', rows: [], errors: [{ row: 1, field: '(file)', message: 'the file is empty: expected a header line and rows' }] };
  const header = records[0].record.map((h) => h.trim().toLowerCase());
  checkColumns(header, columns, 1, 'column', errors);
  if (errors.length) return { format: 'csv', rows: [], errors };
  const rows: ImportRow[] = [];
  for (const { record, info } of records.slice(1)) {
    // csv-parse counts the line a record ends on; a quoted field may span lines, so count back.
    const row = info.lines - record.reduce((n, field) => n + (field.match(/\n/g)?.length ?? 0), 0);
    if (record.length !== header.length) {
      errors.push({ row, field: '(row)', message: `has ${record.length} values but the header has ${header.length} columns` });
      continue;
    }
    const values: Record<string, unknown> = {};
    header.forEach((name, i) => {
      values[name] = record[i];
    });
    rows.push({ row, values });
  }
  return { format: 'csv', rows, errors };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readGeoJson(body: unknown, columns: ImportColumns): ReadResult {
  const errors: ImportRowError[] = [];
  if (!isObject(body) || body.type !== 'FeatureCollection' || !Array.isArray(body.features)) {
    errors.push({ row: 0, field: '(file)', message: 'expected a GeoJSON FeatureCollection, or CSV sent as text/csv' });
    return { format: 'geojson', rows: [], errors };
  }
  const rows: ImportRow[] = [];
  body.features.forEach((feature: unknown, index: number) => {
    if (!isObject(feature) || feature.type !== 'Feature') {
      errors.push({ row: index, field: '(feature)', message: 'is not a GeoJSON Feature' });
      return;
    }
    const properties = feature.properties ?? {};
    if (!isObject(properties)) {
      errors.push({ row: index, field: 'properties', message: 'must be an object' });
      return;
    }
    const before = errors.length;
    checkColumns(Object.keys(properties), { required: [], optional: [...columns.required, ...columns.optional] }, index, 'property', errors);
    const values: Record<string, unknown> = { ...properties };
    const geometry = feature.geometry;
    if (geometry !== null && geometry !== undefined) {
      const c = isObject(geometry) && geometry.type === 'Point' && Array.isArray(geometry.coordinates) ? geometry.coordinates : undefined;
      if (!c || c.length < 2 || typeof c[0] !== 'number' || typeof c[1] !== 'number') {
        errors.push({ row: index, field: 'geometry', message: 'must be a Point with coordinates [lon, lat]' });
      } else {
        // The geometry is the position; properties lat/lon are for files without one.
        values.lon = c[0];
        values.lat = c[1];
      }
    }
    if (errors.length === before) rows.push({ row: index, values });
  });
  return { format: 'geojson', rows, errors };
}

function checkColumns(names: string[], columns: ImportColumns, row: number, noun: string, errors: ImportRowError[]): void {
  const known = new Set([...columns.required, ...columns.optional]);
  const seen = new Set<string>();
  for (const name of names) {
    if (!known.has(name)) errors.push({ row, field: name || '(blank)', message: `unknown ${noun} (expected: ${[...known].join(', ')})` });
    else if (seen.has(name)) errors.push({ row, field: name, message: `${noun} appears twice` });
    seen.add(name);
  }
  for (const name of columns.required) {
    if (!seen.has(name)) errors.push({ row, field: name, message: `required ${noun} is missing` });
  }
}

// ---- cell values ---------------------------------------------------------------------------------

function blank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** A text cell: blank is "not given"; numbers (GeoJSON) are taken as their text. */
export function text<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (blank(v) ? undefined : typeof v === 'number' ? String(v) : v), schema);
}

/** A number cell: blank is "not given"; text is read as a number. */
export function number<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (blank(v) ? undefined : typeof v === 'string' ? Number(v.trim()) : v), schema);
}

/**
 * Checks each row against the schema. Returns the parsed rows that pass (with their row numbers)
 * and one problem per bad cell.
 */
export function validateRows<T extends z.ZodType>(rows: ImportRow[], schema: T, errors: ImportRowError[]): { row: number; value: z.infer<T> }[] {
  const out: { row: number; value: z.infer<T> }[] = [];
  for (const r of rows) {
    const result = schema.safeParse(r.values);
    if (result.success) {
      out.push({ row: r.row, value: result.data });
      continue;
    }
    const fields = new Set<string>();
    for (const issue of result.error.issues) {
      const field = String(issue.path[0] ?? '(row)');
      if (fields.has(field)) continue;
      fields.add(field);
      errors.push({ row: r.row, field, message: cellMessage(issue, r.values[field]) });
    }
  }
  return out;
}

function cellMessage(issue: z.core.$ZodIssue, raw: unknown): string {
  if (blank(raw)) return 'is required';
  const shown = JSON.stringify(raw);
  if (issue.code === 'invalid_type' && issue.expected === 'number') return `must be a number, got ${shown}`;
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.join(', ')}, got ${shown}`;
  return `${issue.message} (got ${shown})`;
}
