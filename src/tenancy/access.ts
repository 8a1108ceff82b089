// Which API key scopes may read the organisation's own profile. Scopes are
// listed in src/api-keys/core/scopes.ts; keys never change the organisation.
export const READ_SCOPES = ['agentes', 'read-only', 'read-write'] as const;
