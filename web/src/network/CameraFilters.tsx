import { useEffect, useState } from 'react';
import type { CameraQuery } from '../api/network.ts';
import { CAMERA_KINDS, CAMERA_STATUSES, OWNERS, type City } from '../api/types.ts';
import { statusLabel } from './camera-status.ts';

interface Props {
  query: CameraQuery;
  cities: City[];
  /** Called with the changed fields; the page resets paging. */
  onChange(patch: Partial<CameraQuery>): void;
}

const SEARCH_DELAY_MS = 300;

export function CameraFilters({ query, cities, onChange }: Props) {
  const [text, setText] = useState(query.q ?? '');

  useEffect(() => setText(query.q ?? ''), [query.q]);

  useEffect(() => {
    if (text === (query.q ?? '')) return;
    const timer = setTimeout(() => onChange({ q: text.trim() || undefined }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text, query.q, onChange]);

  const active = Boolean(query.city || query.siteId || query.status || query.kind || query.owner || query.q);

  const select = <K extends 'city' | 'status' | 'kind' | 'owner'>(key: K, label: string, options: { value: string; label: string }[]) => (
    <label className="filter">
      <span>{label}</span>
      <select name={key} value={(query[key] as string | undefined) ?? ''} onChange={(e) => onChange({ [key]: e.target.value || undefined })}>
        <option value="">All</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <div className="filters">
      <label className="filter filter-search">
        <span>Search</span>
        <input type="search" name="q" placeholder="Name, code or site" value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      {select('city', 'City', cities.map((c) => ({ value: c.id, label: c.name })))}
      {select('status', 'Status', CAMERA_STATUSES.map((s) => ({ value: s, label: statusLabel(s) })))}
      {select('kind', 'Kind', CAMERA_KINDS.map((k) => ({ value: k, label: k.toUpperCase() })))}
      {select('owner', 'Owner', OWNERS.map((o) => ({ value: o, label: o[0].toUpperCase() + o.slice(1) })))}
      {active && (
        <button type="button" className="btn btn-small" onClick={() => onChange({ city: undefined, siteId: undefined, status: undefined, kind: undefined, owner: undefined, q: undefined })}>
          Clear filters
        </button>
      )}
    </div>
  );
}
