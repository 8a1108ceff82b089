import type { AuthHooks } from '../auth/index.ts';
import type { App } from '../platform/http/server.ts';
import type { MembersService } from './members.service.ts';

export function membersRoutes(_service: MembersService, _auth: AuthHooks) {
  return async function routes(_app: App): Promise<void> {};
}
