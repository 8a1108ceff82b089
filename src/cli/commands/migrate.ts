// `tessera migrate`: provisioning already migrates; this reports what it did.
import type { Config } from '../../config.ts';
import { withProvisionedDatabase } from '../database.ts';

export async function migrateCommand(config: Config, out: (line: string) => void): Promise<void> {
  await withProvisionedDatabase(config, async (database) => {
    const migration = database.migration;
    if (migration === null) return;
    if (migration.applied.length === 0) {
      out(`Database is up to date (version ${migration.current}).`);
      return;
    }
    const count = migration.applied.length;
    out(`Applied ${count} migration${count === 1 ? '' : 's'}: ${migration.applied.join(', ')}.`);
    out(`Database is at version ${migration.current}.`);
  });
}
