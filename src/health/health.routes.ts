// /healthz: the process is alive. /readyz: the database answers and has every
// migration this code expects, so a load balancer only routes to servers
// that can serve.
import type { Database } from '../platform/db/database.ts';
import { expectedMigrationVersion } from '../platform/db/migrate.ts';
import type { App } from '../platform/http/server.ts';
import { Type } from '@sinclair/typebox';

const Status = Type.Object({ status: Type.String(), migrations: Type.Optional(Type.Integer()), expected: Type.Optional(Type.Integer()) });

export function healthRoutes(db: Database) {
  return async function routes(app: App): Promise<void> {
    const expected = await expectedMigrationVersion();
    app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness', response: { 200: Status } } }, async () => ({ status: 'ok' }));
    app.get(
      '/readyz',
      { schema: { tags: ['operations'], summary: 'Readiness: database reachable and migrated', response: { 200: Status, 503: Status } } },
      async (_request, reply) => {
        try {
          const { rows } = await db.global.query<{ version: number | null }>('select max(version) as version from tessera_migrations');
          const current = rows[0]?.version ?? 0;
          if (current < expected) return reply.code(503).send({ status: 'migrations pending', migrations: current, expected });
          return { status: 'ready', migrations: current, expected };
        } catch {
          return reply.code(503).send({ status: 'database unreachable' });
        }
      },
    );
  };
}
