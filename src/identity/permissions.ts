// Roles and what each may do. Permissions are typed constants, never free strings at call sites.

export const Permission = {
  NetworkRead: 'network:read',
  NetworkWrite: 'network:write',
  NetworkImport: 'network:import',
  VideoLive: 'video:live',
  VideoPlayback: 'video:playback',
  VideoExport: 'video:export',
  VideoAdmin: 'video:admin',
  UsersRead: 'users:read',
  UsersWrite: 'users:write',
  ApiKeysWrite: 'api-keys:write',
  AuditRead: 'audit:read',
  ConfigRead: 'config:read',
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

export const ROLES = ['admin', 'supervisor', 'operator', 'dispatcher', 'traffic_officer', 'investigator', 'premises_owner', 'auditor', 'device'] as const;
export type Role = (typeof ROLES)[number];

const P = Permission;
const ALL = Object.values(P) as Permission[];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: ALL,
  supervisor: [P.NetworkRead, P.NetworkWrite, P.NetworkImport, P.VideoLive, P.VideoPlayback, P.VideoExport, P.UsersRead, P.AuditRead, P.ConfigRead],
  operator: [P.NetworkRead, P.VideoLive, P.VideoPlayback, P.ConfigRead],
  dispatcher: [P.NetworkRead, P.VideoLive, P.ConfigRead],
  traffic_officer: [P.NetworkRead, P.VideoLive, P.VideoPlayback, P.ConfigRead],
  investigator: [P.NetworkRead, P.VideoLive, P.VideoPlayback, P.VideoExport, P.ConfigRead],
  // A premises owner sees only their own premises' cameras: their scope is their site.
  premises_owner: [P.NetworkRead, P.VideoLive, P.VideoPlayback, P.ConfigRead],
  auditor: [P.NetworkRead, P.AuditRead, P.UsersRead, P.ConfigRead],
  // Devices and integrations authenticate with API keys.
  device: [P.NetworkRead],
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
