const SIZES = [50, 100, 250, 500];

interface Props {
  total: number;
  limit: number;
  offset: number;
  onChange(next: { limit: number; offset: number }): void;
}

const fmt = new Intl.NumberFormat('en');

export function Pager({ total, limit, offset, onChange }: Props) {
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(total, offset + limit);
  return (
    <div className="pager">
      <span className="pager-range" data-testid="total">
        {fmt.format(first)}–{fmt.format(last)} of {fmt.format(total)}
      </span>
      <button type="button" className="btn btn-small" disabled={offset === 0} onClick={() => onChange({ limit, offset: Math.max(0, offset - limit) })}>
        ‹ Prev
      </button>
      <button type="button" className="btn btn-small" disabled={offset + limit >= total} onClick={() => onChange({ limit, offset: offset + limit })}>
        Next ›
      </button>
      <label className="pager-size">
        Rows
        <select value={limit} onChange={(e) => onChange({ limit: Number(e.target.value), offset: 0 })}>
          {SIZES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
