import { statusColour, statusLabel } from '../network/camera-status.ts';

/** A dot and a word; planned is drawn hollow, as on the map. */
export function StatusBadge({ status }: { status: string }) {
  const colour = statusColour(status);
  const hollow = status === 'planned';
  return (
    <span className="status" data-status={status}>
      <span className="status-dot" style={{ background: hollow ? 'transparent' : colour, borderColor: colour }} />
      {statusLabel(status)}
    </span>
  );
}
