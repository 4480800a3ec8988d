import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { z } from 'zod';
import type { AuditService } from '../audit/audit.service.ts';
import { pathInScope, type Actor } from '../identity/actor.ts';
import type { EventBus } from '../platform/bus/bus.ts';
import { ConflictError, ValidationError } from '../platform/http/errors.ts';
import type { CameraRepository, NewCamera } from './camera.repository.ts';
import { unitVisible } from './guards.ts';
import { MAX_IMPORT_ROWS, number, readImportFile, text, validateRows, type ImportColumns, type ImportFormat } from './import-file.ts';
import type { NetworkRepository, NewSite, OrgUnitRow } from './network.repository.ts';
import {
  CAMERA_KINDS,
  CAMERA_STATUSES,
  Code,
  Heading,
  Lat,
  Lon,
  Name,
  OWNERS,
  Phase,
  PlannedCameras,
  Resolution,
  RetentionDays,
  SITE_STATUSES,
  StreamUrl,
  idFromCode,
  type ImportResult,
  type ImportRowError,
} from './network.schema.ts';
import { isUniqueViolation } from './sql.ts';
import { newCameraRow } from './network.service.ts';
import { newSiteRow } from './site.service.ts';
import { hasRedactedSecret, type StreamRole } from './stream-url.ts';

// Bulk import of sites and cameras, all or nothing. The columns (CSV header names, or GeoJSON
// feature properties; a GeoJSON Point geometry gives lat/lon) are documented in docs/network-import.md.

export const CAMERA_COLUMNS: ImportColumns = {
  required: ['code', 'name', 'site_code', 'kind', 'resolution'],
  optional: ['owner', 'phase', 'status', 'lat', 'lon', 'heading', 'record_url', 'detect_url', 'live_url', 'retention_days'],
};

export const SITE_COLUMNS: ImportColumns = {
  required: ['code', 'name', 'city', 'lat', 'lon'],
  optional: ['police_station', 'address', 'phase', 'status', 'owner', 'planned_cameras'],
};

const CameraImportRow = z.object({
  code: text(Code),
  name: text(Name),
  site_code: text(Code),
  kind: text(z.enum(CAMERA_KINDS)),
  resolution: text(Resolution),
  owner: text(z.enum(OWNERS).optional()),
  phase: number(Phase.optional()),
  status: text(z.enum(CAMERA_STATUSES).optional()),
  lat: number(Lat.optional()),
  lon: number(Lon.optional()),
  heading: number(Heading.optional()),
  record_url: text(StreamUrl.optional()),
  detect_url: text(StreamUrl.optional()),
  live_url: text(StreamUrl.optional()),
  retention_days: number(RetentionDays.optional()),
});

const SiteImportRow = z.object({
  code: text(Code),
  name: text(Name),
  city: text(z.string().max(64)),
  police_station: text(z.string().max(64).optional()),
  lat: number(Lat),
  lon: number(Lon),
  address: text(z.string().trim().max(500).optional()),
  phase: number(Phase.optional()),
  status: text(z.enum(SITE_STATUSES).optional()),
  owner: text(z.enum(OWNERS).optional()),
  planned_cameras: number(PlannedCameras.optional()),
});

const STREAM_COLUMNS: [StreamRole, 'record_url' | 'detect_url' | 'live_url'][] = [
  ['record', 'record_url'],
  ['detect', 'detect_url'],
  ['live', 'live_url'],
];

/** A file with problems: nothing was imported; `rows` names every bad row and column. */
export class ImportValidationError extends ValidationError {
  constructor(
    readonly rows: ImportRowError[],
    readonly format: ImportFormat,
  ) {
    const bad = new Set(rows.map((r) => r.row)).size;
    super(`${bad} row${bad === 1 ? '' : 's'} ha${bad === 1 ? 's' : 've'} problems; nothing was imported`);
  }
}

export interface ImportOptions {
  /** Check the file only; store nothing. */
  dryRun?: boolean;
}

/** Flags codes (and the ids made from them) that repeat within the file or already exist. */
function checkUnique(
  rows: { row: number; code: string; id: string }[],
  taken: { codes: Set<string>; ids: Set<string> },
  errors: ImportRowError[],
): void {
  const codes = new Map<string, number>();
  const ids = new Map<string, { row: number; code: string }>();
  for (const r of rows) {
    const firstCode = codes.get(r.code);
    const firstId = ids.get(r.id);
    if (firstCode !== undefined) errors.push({ row: r.row, field: 'code', message: `"${r.code}" is also on row ${firstCode}` });
    else if (firstId) errors.push({ row: r.row, field: 'code', message: `"${r.code}" makes the same id "${r.id}" as "${firstId.code}" on row ${firstId.row}` });
    else if (taken.codes.has(r.code)) errors.push({ row: r.row, field: 'code', message: `"${r.code}" already exists` });
    else if (taken.ids.has(r.id)) errors.push({ row: r.row, field: 'code', message: `"${r.code}" makes the id "${r.id}", which already exists` });
    if (firstCode === undefined) codes.set(r.code, r.row);
    if (!firstId) ids.set(r.id, { row: r.row, code: r.code });
  }
}

export class ImportService {
  constructor(
    private readonly sites: NetworkRepository,
    private readonly cameras: CameraRepository,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
  ) {}

  /** Body: CSV text, or a parsed GeoJSON FeatureCollection. */
  async importCameras(actor: Actor, body: unknown, options: ImportOptions = {}): Promise<ImportResult> {
    const { format, rows, errors } = readImportFile(body, CAMERA_COLUMNS);
    checkRowCount(rows.length, format, errors);
    const valid = validateRows(rows, CameraImportRow, errors);

    const siteCodes = [...new Set(valid.map((v) => v.value.site_code))];
    const sites = new Map(
      (await this.sites.findSitesByCodes(siteCodes)).filter((s) => pathInScope(actor.scopePath, s.scope_path)).map((s) => [s.code, s]),
    );
    const keyed = valid.map((v) => ({ row: v.row, code: v.value.code, id: idFromCode(v.value.code) }));
    checkUnique(keyed, await this.cameras.takenKeys(keyed.map((k) => k.code), keyed.map((k) => k.id)), errors);

    const cameras: NewCamera[] = [];
    for (const [i, { row, value: v }] of valid.entries()) {
      const site = sites.get(v.site_code);
      if (!site) errors.push({ row, field: 'site_code', message: `no site with code "${v.site_code}"` });
      if ((v.lat === undefined) !== (v.lon === undefined)) {
        errors.push({ row, field: v.lat === undefined ? 'lat' : 'lon', message: 'give both lat and lon, or neither (the site position)' });
      }
      const streams = STREAM_COLUMNS.filter(([, column]) => v[column]).map(([role, column]) => ({ role, url: v[column]!, column }));
      for (const s of streams) {
        if (hasRedactedSecret(s.url)) errors.push({ row, field: s.column, message: 'holds "***" where a password or key belongs' });
      }
      if (!site) continue;
      cameras.push(
        newCameraRow(keyed[i].id, {
          code: v.code, name: v.name, kind: v.kind, resolution: v.resolution, owner: v.owner, phase: v.phase, status: v.status,
          lat: v.lat, lon: v.lon, heading: v.heading, retentionDays: v.retention_days, streams: streams.map(({ role, url }) => ({ role, url })),
        }, site),
      );
    }
    await this.refuseIfBad(actor, 'cameras', format, rows.length, errors);
    if (!options.dryRun) {
      await this.store(() => this.cameras.insertMany(cameras));
      await this.finish(actor, 'cameras', format, cameras.length);
    }
    return { imported: cameras.length, format, dryRun: Boolean(options.dryRun) };
  }

  /** Body: CSV text, or a parsed GeoJSON FeatureCollection. Cities and police stations must exist. */
  async importSites(actor: Actor, body: unknown, options: ImportOptions = {}): Promise<ImportResult> {
    const { format, rows, errors } = readImportFile(body, SITE_COLUMNS);
    checkRowCount(rows.length, format, errors);
    const valid = validateRows(rows, SiteImportRow, errors);

    const units = new Map<string, OrgUnitRow>((await this.sites.listOrgUnits()).filter((u) => unitVisible(actor.scopePath, u.path)).map((u) => [u.id, u]));
    const keyed = valid.map((v) => ({ row: v.row, code: v.value.code, id: idFromCode(v.value.code) }));
    checkUnique(keyed, await this.sites.takenKeys(keyed.map((k) => k.code), keyed.map((k) => k.id)), errors);

    const sites: NewSite[] = [];
    for (const [i, { row, value: v }] of valid.entries()) {
      const id = keyed[i].id;
      const city = units.get(v.city);
      if (!city || city.kind !== 'city') {
        errors.push({ row, field: 'city', message: `no city "${v.city}"` });
        continue;
      }
      const station = v.police_station ? units.get(v.police_station) : undefined;
      if (v.police_station && (!station || station.kind !== 'police_station' || station.parent_id !== city.id)) {
        errors.push({ row, field: 'police_station', message: `no police station "${v.police_station}" in city "${v.city}"` });
        continue;
      }
      const scopePath = `${(station ?? city).path}.${id}`;
      if (!pathInScope(actor.scopePath, scopePath)) {
        errors.push({ row, field: station ? 'police_station' : 'city', message: `a site here would be outside your scope (${actor.scopePath})` });
        continue;
      }
      sites.push(
        newSiteRow(id, {
          code: v.code, name: v.name, lat: v.lat, lon: v.lon, address: v.address, phase: v.phase, status: v.status, owner: v.owner,
          plannedCameras: v.planned_cameras,
        }, { cityId: city.id, policeStationId: station?.id ?? null, scopePath }),
      );
    }
    await this.refuseIfBad(actor, 'sites', format, rows.length, errors);
    if (!options.dryRun) {
      await this.store(() => this.sites.insertSites(sites));
      await this.finish(actor, 'sites', format, sites.length);
    }
    return { imported: sites.length, format, dryRun: Boolean(options.dryRun) };
  }

  private async refuseIfBad(actor: Actor, kind: 'cameras' | 'sites', format: ImportFormat, rows: number, errors: ImportRowError[]): Promise<void> {
    if (!errors.length) return;
    errors.sort((a, b) => a.row - b.row);
    await this.audit.record(actor, {
      action: 'network.import',
      outcome: 'failed',
      details: { kind, format, rows, problems: errors.length, first: errors.slice(0, 20) },
    });
    throw new ImportValidationError(errors, format);
  }

  private async store(insert: () => Promise<void>): Promise<void> {
    try {
      await insert();
    } catch (err) {
      // Someone else took a code between our check and the insert; the transaction rolled back.
      if (isUniqueViolation(err)) throw new ConflictError('a code in the file was taken while it was being imported; nothing was imported, try again', 'code');
      throw err;
    }
  }

  private async finish(actor: Actor, kind: 'cameras' | 'sites', format: ImportFormat, count: number): Promise<void> {
    await this.audit.record(actor, { action: 'network.import', details: { kind, format, count } });
    // One event for the whole file rather than one per row: consumers reload what they hold.
    await this.bus.publish('network.import.completed', { kind, format, count, by: actor.username });
  }
}

function checkRowCount(count: number, format: ImportFormat, errors: ImportRowError[]): void {
  if (errors.length) return;
  const row = format === 'csv' ? 1 : 0;
  if (count === 0) errors.push({ row, field: '(file)', message: 'no rows to import' });
  if (count > MAX_IMPORT_ROWS) errors.push({ row, field: '(file)', message: `${count} rows: at most ${MAX_IMPORT_ROWS} per file, split it` });
}

/** A CLI-facing failure: `message` is the one line to print, `exitCode` what to exit with. */
export class ImportFileError extends Error {
  readonly exitCode = 2;
}

/**
 * `safecity import cameras FILE` (and `sites`): .csv is read as CSV, .geojson/.json as GeoJSON. On bad
 * input throws ImportFileError whose message is one line, `FILE:ROW:FIELD: problem (and N more)`.
 */
export async function importFromFile(services: { imports: ImportService }, kind: 'cameras' | 'sites', path: string, actor: Actor): Promise<ImportResult> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (err) {
    throw new ImportFileError(`${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let body: unknown = content;
  const ext = extname(path).toLowerCase();
  if (ext === '.geojson' || ext === '.json') {
    try {
      body = JSON.parse(content);
    } catch (err) {
      throw new ImportFileError(`${path}: not valid JSON (${(err as Error).message})`);
    }
  } else if (ext !== '.csv') {
    throw new ImportFileError(`${path}: name the file .csv, .geojson or .json so its format is known`);
  }
  try {
    return kind === 'cameras' ? await services.imports.importCameras(actor, body) : await services.imports.importSites(actor, body);
  } catch (err) {
    if (err instanceof ImportValidationError) {
      const [first] = err.rows;
      const more = err.rows.length > 1 ? ` (and ${err.rows.length - 1} more problem${err.rows.length > 2 ? 's' : ''})` : '';
      throw new ImportFileError(`${path}:${first.row}:${first.field}: ${first.message}${more}`);
    }
    if (err instanceof ValidationError || err instanceof ConflictError) throw new ImportFileError(`${path}: ${err.message}`);
    throw err;
  }
}

export function importCamerasFromFile(services: { imports: ImportService }, path: string, actor: Actor): Promise<ImportResult> {
  return importFromFile(services, 'cameras', path, actor);
}
