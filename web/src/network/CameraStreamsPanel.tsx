import type { Camera } from '../api/types.ts';

export function CameraStreamsPanel({ camera }: { camera: Camera }) {
  if (!camera.streams.length) return <p className="muted">No streams configured.</p>;
  return (
    <table className="table table-compact">
      <thead>
        <tr>
          <th>Role</th>
          <th>URL (credentials removed)</th>
        </tr>
      </thead>
      <tbody>
        {camera.streams.map((s, i) => (
          <tr key={`${s.role}-${i}`}>
            <td>{s.role}</td>
            <td className="mono break">{s.url}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
