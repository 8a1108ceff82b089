// Where the database comes from: DATABASE_URL when set, otherwise an embedded
// PostgreSQL in the data directory. Either way the result is migrated and
// gives the three connection URLs.
import type { Config } from '../../config.ts';
import { deriveConnectionUrls, type ConnectionUrls } from './connection-urls.ts';
import { startEmbeddedPostgres } from './embedded.ts';
import { migrate, type MigrateResult } from './migrate.ts';

export interface ProvisionedDatabase extends ConnectionUrls {
  embedded: boolean;
  migration: MigrateResult | null;
  stop(): Promise<void>;
}

export async function provisionDatabase(
  config: Config,
  options: { migrate: boolean; log?: (line: string) => void },
): Promise<ProvisionedDatabase> {
  if (config.databaseUrl !== null) {
    const urls = deriveConnectionUrls(config.databaseUrl, config.databaseAppUrl, config.databaseOperatorUrl);
    const migration = options.migrate ? await migrate(urls.adminUrl) : null;
    return { ...urls, embedded: false, migration, stop: async () => undefined };
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedPgPort,
    ...(options.log ? { log: options.log } : {}),
  });
  try {
    const migration = options.migrate
      ? await migrate(embedded.adminUrl, { app: embedded.passwords.app, operator: embedded.passwords.operator })
      : null;
    return {
      adminUrl: embedded.adminUrl,
      appUrl: embedded.appUrl,
      operatorUrl: embedded.operatorUrl,
      embedded: true,
      migration,
      stop: embedded.stop,
    };
  } catch (error) {
    await embedded.stop();
    throw error;
  }
}
