import { z } from 'zod';
import { Permission } from '../identity/permissions.ts';
import { requires } from '../platform/http/access.ts';
import type { App } from '../platform/http/app.ts';
import { ImportValidationError, type ImportService } from './import.service.ts';
import type { NetworkServices } from './network.module.ts';
import {
  CameraCreate,
  CameraFeatureCollection,
  CameraJson,
  CameraPatch,
  CameraQuery,
  CityJson,
  Id,
  IdParams,
  ImportResult,
  OrgUnitCreate,
  OrgUnitJson,
  SiteCreate,
  SiteJson,
  SitePatch,
  SiteQuery,
  pageOf,
} from './network.schema.ts';

// The camera network over HTTP. Scope is the services' business: an id outside the caller's scope
// answers 404 like a missing one, and list filters only ever narrow what the caller may see (a Bannu
// user asking for ?city=peshawar gets total 0, not 403).

const READ = { access: requires(Permission.NetworkRead) };
const WRITE = { access: requires(Permission.NetworkWrite) };
const IMPORT = { access: requires(Permission.NetworkImport) };
const tags = ['network'];

/** Imports may be large: 5,000 cameras of CSV is about 1 MiB. */
const IMPORT_BODY_LIMIT = 32 * 1024 * 1024;

export function registerNetworkRoutes(app: App, deps: Pick<NetworkServices, 'network' | 'sites' | 'imports'>): void {
  const { network, sites, imports } = deps;

  // ---- hierarchy -------------------------------------------------------------------------------

  app.get('/api/cities', {
    config: READ,
    schema: { tags, summary: 'Cities in or above your scope, with counts of the sites and cameras you may see.', response: { 200: pageOf(CityJson) } },
  }, async (req) => sites.listCities(req.actor));

  app.get('/api/org-units', {
    config: READ,
    schema: {
      tags,
      summary: 'The organisation hierarchy (province, cities, police stations) in or above your scope.',
      querystring: z.strictObject({ kind: z.enum(['province', 'division', 'city', 'police_station']).optional(), parentId: Id.optional() }),
      response: { 200: pageOf(OrgUnitJson) },
    },
  }, async (req) => sites.listOrgUnits(req.actor, req.query));

  app.post('/api/org-units', {
    config: WRITE,
    schema: { tags, summary: 'Add a city, division or police station.', body: OrgUnitCreate, response: { 201: OrgUnitJson } },
  }, async (req, reply) => reply.code(201).send(await sites.createOrgUnit(req.actor, req.body)));

  // ---- sites -----------------------------------------------------------------------------------

  app.get('/api/sites', {
    config: READ,
    schema: {
      tags,
      summary: 'Sites in your scope. Planned sites are left out unless status=planned or status=all.',
      querystring: SiteQuery,
      response: { 200: pageOf(SiteJson) },
    },
  }, async (req) => sites.listSites(req.actor, req.query));

  app.post('/api/sites', {
    config: WRITE,
    schema: { tags, summary: 'Add a site under a city (and optionally one of its police stations).', body: SiteCreate, response: { 201: SiteJson } },
  }, async (req, reply) => reply.code(201).send(await sites.createSite(req.actor, req.body)));

  app.get('/api/sites/:id', {
    config: READ,
    schema: { tags, params: IdParams, response: { 200: SiteJson } },
  }, async (req) => sites.getSite(req.actor, req.params.id));

  app.patch('/api/sites/:id', {
    config: WRITE,
    schema: { tags, params: IdParams, body: SitePatch, response: { 200: SiteJson } },
  }, async (req) => sites.updateSite(req.actor, req.params.id, req.body));

  app.delete('/api/sites/:id', {
    config: WRITE,
    schema: { tags, summary: 'Delete a site that has no cameras.', params: IdParams },
  }, async (req, reply) => {
    await sites.deleteSite(req.actor, req.params.id);
    return reply.code(204).send();
  });

  // ---- cameras ---------------------------------------------------------------------------------

  app.get('/api/cameras', {
    config: READ,
    schema: {
      tags,
      summary: 'Cameras in your scope; with near=lat,lon (and radius in metres, default 1000, at most 50 km) nearest first.',
      querystring: CameraQuery,
      response: { 200: pageOf(CameraJson) },
    },
  }, async (req) => network.listCameras(req.actor, req.query));

  app.post('/api/cameras', {
    config: WRITE,
    schema: { tags, summary: 'Add a camera to a site.', body: CameraCreate, response: { 201: CameraJson } },
  }, async (req, reply) => reply.code(201).send(await network.createCamera(req.actor, req.body)));

  app.get('/api/cameras/:id', {
    config: READ,
    schema: { tags, summary: 'One camera; stream credentials are shown as ***.', params: IdParams, response: { 200: CameraJson } },
  }, async (req) => network.viewCamera(req.actor, req.params.id));

  app.patch('/api/cameras/:id', {
    config: WRITE,
    schema: {
      tags,
      summary: 'Change a camera. A stream URL sent back exactly as shown (with ***) keeps its stored password.',
      params: IdParams,
      body: CameraPatch,
      response: { 200: CameraJson },
    },
  }, async (req) => network.updateCamera(req.actor, req.params.id, req.body));

  app.delete('/api/cameras/:id', {
    config: WRITE,
    schema: { tags, params: IdParams },
  }, async (req, reply) => {
    await network.deleteCamera(req.actor, req.params.id);
    return reply.code(204).send();
  });

  app.get('/api/map/cameras', {
    config: READ,
    schema: { tags, summary: 'Every camera in your scope as a GeoJSON FeatureCollection of points.', response: { 200: CameraFeatureCollection } },
  }, async (req) => network.mapCameras(req.actor));

  // ---- bulk import -----------------------------------------------------------------------------

  registerImportRoute(app, '/api/import/cameras', 'cameras', imports);
  registerImportRoute(app, '/api/import/sites', 'sites', imports);
}

function registerImportRoute(app: App, url: string, kind: 'cameras' | 'sites', imports: ImportService): void {
  app.post(url, {
    config: IMPORT,
    bodyLimit: IMPORT_BODY_LIMIT,
    schema: {
      tags,
      summary: `Import ${kind} from CSV (text/csv) or GeoJSON (application/geo+json or application/json), all or nothing.`,
      description:
        'Columns are described in docs/network-import.md. Any bad row: 400 {error: "validation", message, rows: [{row, field, message}]} naming every bad row and column; nothing is stored.',
      querystring: z.strictObject({ dryRun: z.stringbool().default(false) }),
      // Loose: the error handler's {error, message, field} and this route's {error, message, rows} both pass.
      response: { 200: ImportResult, 400: z.looseObject({ error: z.string(), message: z.string() }) },
    },
  }, async (req, reply) => {
    try {
      const options = { dryRun: req.query.dryRun };
      return kind === 'cameras' ? await imports.importCameras(req.actor, req.body, options) : await imports.importSites(req.actor, req.body, options);
    } catch (err) {
      if (err instanceof ImportValidationError) {
        return reply.code(400).send({ error: 'validation', message: err.message, rows: err.rows });
      }
      throw err;
    }
  });
}
