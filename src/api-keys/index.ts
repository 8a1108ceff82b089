export { ApiKeysService } from './api-keys.service.ts';
export { apiKeysRoutes } from './api-keys.routes.ts';
export { API_KEY_SCOPES, API_KEY_SCOPE_NAMES, type ApiKeyScope } from './core/scopes.ts';
