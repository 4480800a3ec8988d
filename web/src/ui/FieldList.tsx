import type { ReactNode } from 'react';

/** Label/value rows; rows whose value is null or undefined are left out. */
export function FieldList({ rows, compact }: { rows: [string, ReactNode][]; compact?: boolean }) {
  return (
    <dl className={compact ? 'fields fields-compact' : 'fields'}>
      {rows
        .filter(([, value]) => value !== null && value !== undefined)
        .map(([label, value]) => (
          <div key={label} className="field-row">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
    </dl>
  );
}
