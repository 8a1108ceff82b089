import type { AuthHooks } from '../auth/index.ts';
import type { App } from '../platform/http/server.ts';
import type { OperatorsService } from './operators.service.ts';

export function operatorsRoutes(_service: OperatorsService, _auth: AuthHooks) {
  return async function routes(_app: App): Promise<void> {};
}
