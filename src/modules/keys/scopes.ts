export const allScopes = [
  'buckets:read',
  'buckets:write',
  'buckets:delete',
  'keys:read',
  'keys:write',
  'sources:read',
  'sources:write',
  'data:read',
  'data:write',
  'alerts:read',
  'alerts:write',
  'analytics:read',
  'audit:read',
] as const;

export type Scope = (typeof allScopes)[number];

export const keyTypes = ['admin', 'write', 'read'] as const;
export type KeyType = (typeof keyTypes)[number];

/** What each key type may do (api.md §1); `scopes` on a key can only narrow this. */
export const defaultScopes: Record<KeyType, readonly Scope[]> = {
  admin: allScopes,
  write: ['sources:read', 'sources:write', 'data:read', 'data:write', 'alerts:read', 'alerts:write', 'analytics:read'],
  read: ['sources:read', 'data:read', 'alerts:read', 'analytics:read'],
};

export const scopesBeyondType = (type: KeyType, scopes: readonly Scope[]): Scope[] =>
  scopes.filter((scope) => !defaultScopes[type].includes(scope));
