import type { AuditService } from '../audit/audit.service.ts';
import { SYSTEM_ACTOR, type Actor } from '../identity/actor.ts';
import type { NewCamera } from './camera.repository.ts';
import type { NetworkStore, NewOrgUnit, NewSite } from './network.repository.ts';
import { idFromCode } from './network.schema.ts';

// Demo data for a first look at the console: made up, marked `demo = true` on every row and "Demo:"
// in every name. Positions are deterministic pseudo-random points around real police station areas,
// so every install shows the same network:
//
//   Peshawar           phase 1: 125 active sites, 710 cameras; phase 2: 600 planned sites, no cameras
//   Dera Ismail Khan   88 sites, 352 cameras
//   Bannu              76 sites, 296 cameras
//   Lakki Marwat       47 sites, 164 cameras
//   Karak, North Waziristan   planned cities (no sites yet)
//
// Demo cameras have no stream and status 'unknown'; the video domain may attach simulated streams.

export const DEMO_PROVINCE = { id: 'kp', name: 'Khyber Pakhtunkhwa', lat: 34.0151, lon: 71.5249 };

interface StationSpec {
  slug: string;
  name: string;
  lat: number;
  lon: number;
  /** Kilometres around the station where its sites lie. */
  radiusKm: number;
  roads: string[];
}

interface CitySpec {
  id: string;
  name: string;
  /** Short code used in site and camera codes. */
  code: string;
  lat: number;
  lon: number;
  status: 'active' | 'planned';
  sites: number;
  cameras: number;
  /** Phase-2 sites, planned and without cameras. */
  plannedSites?: number;
  stations: StationSpec[];
}

export const DEMO_CITIES: CitySpec[] = [
  {
    id: 'peshawar', name: 'Peshawar', code: 'PSH', lat: 34.0151, lon: 71.5249, status: 'active', sites: 125, cameras: 710, plannedSites: 600,
    stations: [
      { slug: 'hayatabad', name: 'Hayatabad', lat: 33.9935, lon: 71.4380, radiusKm: 2.2, roads: ['Phase 3 Chowk', 'Bab-e-Peshawar', 'Tatara Park', 'Karkhano Market', 'Phase 6 Road'] },
      { slug: 'university-town', name: 'University Town', lat: 34.0055, lon: 71.4930, radiusKm: 1.4, roads: ['University Road', 'Arbab Road', 'Jamrud Road', 'Rahat Abad'] },
      { slug: 'tehkal', name: 'Tehkal', lat: 34.0170, lon: 71.5060, radiusKm: 1.0, roads: ['Tehkal Bala', 'Tehkal Payan', 'Jail Road'] },
      { slug: 'cantonment', name: 'Cantonment', lat: 34.0090, lon: 71.5330, radiusKm: 1.3, roads: ['Mall Road', 'Khyber Road', 'Sunehri Masjid Road', 'Fort Road'] },
      { slug: 'saddar', name: 'Saddar', lat: 34.0000, lon: 71.5470, radiusKm: 0.9, roads: ['Saddar Road', 'Fakhr-e-Alam Road', 'Saddar Bazaar', 'Railway Road'] },
      { slug: 'kotwali', name: 'Kotwali', lat: 34.0095, lon: 71.5715, radiusKm: 0.8, roads: ['Qissa Khwani Bazaar', 'Chowk Yadgar', 'Kabuli Gate', 'Khyber Bazaar'] },
      { slug: 'hashtnagri', name: 'Hashtnagri', lat: 34.0060, lon: 71.5830, radiusKm: 0.8, roads: ['Hashtnagri Gate', 'GT Road', 'Lahori Gate'] },
      { slug: 'yakatoot', name: 'Yakatoot', lat: 34.0190, lon: 71.5640, radiusKm: 0.9, roads: ['Yakatoot Road', 'Asiya Gate', 'Kohati Road'] },
      { slug: 'faqirabad', name: 'Faqirabad', lat: 34.0290, lon: 71.5720, radiusKm: 1.0, roads: ['Faqirabad Road', 'Charsadda Road', 'Nothia Road'] },
      { slug: 'gulbahar', name: 'Gulbahar', lat: 34.0205, lon: 71.5900, radiusKm: 1.0, roads: ['Gulbahar Chowk', 'GT Road', 'Firdous Road'] },
      { slug: 'gulberg', name: 'Gulberg', lat: 34.0020, lon: 71.5990, radiusKm: 1.0, roads: ['Gulberg Road', 'Dalazak Road', 'Ring Road'] },
      { slug: 'chamkani', name: 'Chamkani', lat: 33.9990, lon: 71.6180, radiusKm: 1.6, roads: ['Chamkani Mor', 'GT Road', 'Ring Road'] },
      { slug: 'pishtakhara', name: 'Pishtakhara', lat: 33.9800, lon: 71.5250, radiusKm: 1.6, roads: ['Kohat Road', 'Ring Road', 'Pishtakhara Chowk'] },
    ],
  },
  {
    id: 'dikhan', name: 'Dera Ismail Khan', code: 'DIK', lat: 31.8313, lon: 70.9017, status: 'active', sites: 88, cameras: 352,
    stations: [
      { slug: 'city', name: 'City', lat: 31.8320, lon: 70.9020, radiusKm: 1.2, roads: ['Topanwala Bazaar', 'Muslim Bazaar', 'Circular Road'] },
      { slug: 'cantonment', name: 'Cantonment', lat: 31.8190, lon: 70.9160, radiusKm: 1.5, roads: ['Cantt Road', 'Mall Road', 'Thall Road'] },
      { slug: 'kotwali', name: 'Kotwali', lat: 31.8390, lon: 70.9110, radiusKm: 1.0, roads: ['Kotwali Chowk', 'Bannu Road', 'Chungi No. 1'] },
      { slug: 'saddar', name: 'Saddar', lat: 31.8470, lon: 70.8930, radiusKm: 1.6, roads: ['Saddar Road', 'Indus Highway', 'Paharpur Road'] },
      { slug: 'gomal-university', name: 'Gomal University', lat: 31.8080, lon: 70.8800, radiusKm: 1.8, roads: ['Gomal University Road', 'Daraban Road', 'Bypass Road'] },
    ],
  },
  {
    id: 'bannu', name: 'Bannu', code: 'BNU', lat: 32.9889, lon: 70.6056, status: 'active', sites: 76, cameras: 296,
    stations: [
      { slug: 'city', name: 'City', lat: 32.9885, lon: 70.6050, radiusKm: 1.1, roads: ['Chowk Bazaar', 'Lakki Gate', 'Railway Road'] },
      { slug: 'cantonment', name: 'Cantonment', lat: 32.9780, lon: 70.6220, radiusKm: 1.4, roads: ['Cantt Road', 'Kohat Road', 'Miranshah Road'] },
      { slug: 'township', name: 'Township', lat: 32.9690, lon: 70.5950, radiusKm: 1.3, roads: ['Township Road', 'DI Khan Road', 'Link Road'] },
      { slug: 'mandan', name: 'Mandan', lat: 33.0010, lon: 70.6270, radiusKm: 1.4, roads: ['Mandan Chowk', 'Mandan Bazaar', 'Bypass Road'] },
      { slug: 'ghoriwala', name: 'Ghoriwala', lat: 32.9980, lon: 70.5830, radiusKm: 1.4, roads: ['Ghoriwala Road', 'Kurram Bridge', 'Jani Khel Road'] },
    ],
  },
  {
    id: 'lakki-marwat', name: 'Lakki Marwat', code: 'LKM', lat: 32.6078, lon: 70.9114, status: 'active', sites: 47, cameras: 164,
    stations: [
      { slug: 'city', name: 'City', lat: 32.6080, lon: 70.9115, radiusKm: 1.0, roads: ['Main Bazaar', 'Tajazai Road', 'Adda Chowk'] },
      { slug: 'saddar', name: 'Saddar', lat: 32.6170, lon: 70.9230, radiusKm: 1.3, roads: ['Saddar Road', 'Bannu Road', 'Indus Highway'] },
      { slug: 'tajazai', name: 'Tajazai', lat: 32.5960, lon: 70.8970, radiusKm: 1.3, roads: ['Tajazai Chowk', 'Pezu Road', 'Canal Road'] },
    ],
  },
  { id: 'karak', name: 'Karak', code: 'KRK', lat: 33.1163, lon: 71.0935, status: 'planned', sites: 0, cameras: 0, stations: [] },
  { id: 'north-waziristan', name: 'North Waziristan (Miranshah)', code: 'NWZ', lat: 33.0003, lon: 70.0722, status: 'planned', sites: 0, cameras: 0, stations: [] },
];

const SITE_FEATURES = ['Chowk', 'Junction', 'Bazaar', 'Plaza', 'Stop', 'Market', 'Crossing', 'Gate', 'Flyover'];
/** Where vehicles meet: ANPR cameras go here. */
const JUNCTIONS = new Set(['Chowk', 'Junction', 'Crossing', 'Flyover']);
/** Privately run premises: their cameras are commercial-owned. */
const COMMERCIAL = new Set(['Plaza', 'Market']);
const KIND_LABELS: Record<NewCamera['kind'], string> = { fixed: 'Fixed', dome: 'Dome', ptz: 'PTZ', anpr: 'ANPR' };
const RESOLUTIONS: Record<NewCamera['kind'], string[]> = {
  fixed: ['1080p', '1080p', '4MP', '4MP', '4K'],
  dome: ['1080p', '4MP', '4MP'],
  ptz: ['1080p', '4MP', '4K'],
  anpr: ['1080p', '3MP'],
};

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32): the same demo on every install. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits `total` over `n` parts, each between min and max, the remainder handed out at random. */
export function allocate(total: number, n: number, min: number, max: number, rand: () => number): number[] {
  if (total < n * min || total > n * max) throw new Error(`cannot split ${total} into ${n} parts of ${min}-${max}`);
  const parts = new Array<number>(n).fill(min);
  let left = total - n * min;
  while (left > 0) {
    const i = Math.floor(rand() * n);
    if (parts[i] < max) {
      parts[i]++;
      left--;
    }
  }
  return parts;
}

/** A point uniformly inside a circle of `radiusM` metres around (lat, lon). */
function scatter(lat: number, lon: number, radiusM: number, rand: () => number): { lat: number; lon: number } {
  const r = radiusM * Math.sqrt(rand());
  const a = rand() * 2 * Math.PI;
  const dLat = (r * Math.cos(a)) / 111_320;
  const dLon = (r * Math.sin(a)) / (111_320 * Math.cos((lat * Math.PI) / 180));
  return { lat: Math.round((lat + dLat) * 1e6) / 1e6, lon: Math.round((lon + dLon) * 1e6) / 1e6 };
}

function pick<T>(items: readonly T[], rand: () => number): T {
  return items[Math.floor(rand() * items.length)];
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** The kinds of a site's cameras: ANPR at junctions, a PTZ at bigger sites, the rest fixed or dome. */
function cameraKinds(count: number, junction: boolean, rand: () => number): NewCamera['kind'][] {
  const kinds: NewCamera['kind'][] = [];
  if (junction) kinds.push('anpr', ...(count >= 6 ? (['anpr'] as const) : []));
  if (count >= 4) kinds.push('ptz');
  while (kinds.length < count) kinds.push(rand() < 0.6 ? 'fixed' : 'dome');
  return kinds.slice(0, count);
}

export interface DemoPlan {
  units: NewOrgUnit[];
  sites: NewSite[];
  cameras: NewCamera[];
}

/** The whole demo network as rows, computed without touching the database. */
export function planDemoCity(): DemoPlan {
  const rand = seededRandom(20_240_601);
  const units: NewOrgUnit[] = [{ id: DEMO_PROVINCE.id, parent_id: null, kind: 'province', name: DEMO_PROVINCE.name, path: DEMO_PROVINCE.id, lat: DEMO_PROVINCE.lat, lon: DEMO_PROVINCE.lon, demo: true }];
  const sites: NewSite[] = [];
  const cameras: NewCamera[] = [];
  for (const city of DEMO_CITIES) {
    const cityPath = `${DEMO_PROVINCE.id}.${city.id}`;
    units.push({ id: city.id, parent_id: DEMO_PROVINCE.id, kind: 'city', name: city.name, path: cityPath, lat: city.lat, lon: city.lon, status: city.status, demo: true });
    const stations = city.stations.map((s) => ({ ...s, id: `${city.id}-ps-${s.slug}`, path: `${cityPath}.${city.id}-ps-${s.slug}` }));
    for (const s of stations) {
      units.push({ id: s.id, parent_id: city.id, kind: 'police_station', name: `${s.name} Police Station`, path: s.path, lat: s.lat, lon: s.lon, demo: true });
    }
    if (!stations.length) continue;
    const perSite = allocate(city.cameras, city.sites, 2, 12, rand);
    const names = new Map<string, number>();
    const makeSite = (n: number, phase: number, planned: boolean): { site: NewSite; base: string; junction: boolean } => {
      const station = stations[n % stations.length];
      const feature = pick(SITE_FEATURES, rand);
      const base = `${pick(station.roads, rand)} ${feature}`;
      const seen = (names.get(base) ?? 0) + 1;
      names.set(base, seen);
      const code = planned ? `DEMO-${city.code}-P${phase}-${pad(n + 1, 4)}` : `DEMO-${city.code}-${pad(n + 1, 4)}`;
      const id = idFromCode(code);
      const at = scatter(station.lat, station.lon, station.radiusKm * (planned ? 1500 : 1000), rand);
      const site: NewSite = {
        id,
        code,
        name: `Demo: ${base}${seen > 1 ? ` ${seen}` : ''}, ${station.name}`,
        city_id: city.id,
        police_station_id: station.id,
        scope_path: `${station.path}.${id}`,
        lat: at.lat,
        lon: at.lon,
        address: `${base}, ${station.name}, ${city.name}`,
        phase,
        status: planned ? 'planned' : 'active',
        owner: COMMERCIAL.has(feature) ? 'commercial' : 'government',
        planned_cameras: planned ? 2 + Math.floor(rand() * 5) : null,
        demo: true,
      };
      return { site, base, junction: JUNCTIONS.has(feature) };
    };
    for (let n = 0; n < city.sites; n++) {
      const { site, base, junction } = makeSite(n, 1, false);
      sites.push(site);
      cameraKinds(perSite[n], junction, rand).forEach((kind, i) => {
        const code = `${site.code}-C${i + 1}`;
        const at = scatter(site.lat, site.lon, 40, rand);
        cameras.push({
          id: idFromCode(code),
          code,
          site_id: site.id,
          name: `Demo: ${base} ${KIND_LABELS[kind]} ${i + 1}`,
          kind,
          resolution: pick(RESOLUTIONS[kind], rand),
          owner: site.owner ?? 'government',
          phase: 1,
          status: 'unknown',
          streams: '[]',
          lat: at.lat,
          lon: at.lon,
          heading: kind === 'ptz' ? null : Math.floor(rand() * 360),
          retention_days: null,
          demo: true,
        });
      });
    }
    for (let n = 0; n < (city.plannedSites ?? 0); n++) sites.push(makeSite(n, 2, true).site);
  }
  return { units, sites, cameras };
}

export interface DemoSeedResult {
  /** False when demo data was already there and nothing was written. */
  seeded: boolean;
  sites: number;
  cameras: number;
}

/**
 * Writes the demo network in one transaction, unless demo sites already exist. Org units that exist
 * already (a real `kp` or `peshawar`) are kept as they are and the demo sites hang under them.
 */
export async function seedDemoCity(deps: { store: NetworkStore; audit: AuditService }, actor: Actor = SYSTEM_ACTOR): Promise<DemoSeedResult> {
  if (await deps.store.sites.hasDemoSites()) return { seeded: false, sites: 0, cameras: 0 };
  const plan = planDemoCity();
  await deps.store.transaction(async (store) => {
    await store.sites.insertOrgUnits(plan.units);
    // Hang sites under the units as stored, in case some existed before with other paths.
    const paths = new Map((await store.sites.listOrgUnits()).map((u) => [u.id, u.path]));
    const sites = plan.sites.map((s) => ({ ...s, scope_path: `${paths.get(s.police_station_id ?? s.city_id)}.${s.id}` }));
    await store.sites.insertSites(sites);
    await store.cameras.insertMany(plan.cameras);
  });
  await deps.audit.record(actor, {
    action: 'network.demo.seed',
    details: { units: plan.units.length, sites: plan.sites.length, cameras: plan.cameras.length, demo: true },
  });
  return { seeded: true, sites: plan.sites.length, cameras: plan.cameras.length };
}
