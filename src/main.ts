// `npm start`: validate the configuration, bring up the database (embedded
// unless DATABASE_URL is set), migrate, serve. SIGTERM and SIGINT drain
// in-flight requests, flush buffered usage, close the pools and stop the
// embedded database.
import { buildApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { provisionDatabase } from './platform/db/provision.ts';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Invalid configuration: ${error.message}`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

const config = readConfig();
const database = await provisionDatabase(config, { migrate: config.migrateOnStart });
const { app } = await buildApp(config, database);
if (database.migration && database.migration.applied.length > 0) {
  app.log.info({ applied: database.migration.applied }, 'migrations applied');
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, 'shutting down: draining requests');
  try {
    await app.close();
  } finally {
    await database.stop();
    process.exit(0);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

try {
  await app.listen({ port: config.port, host: config.host });
} catch (error) {
  app.log.error({ err: error }, 'could not listen');
  await app.close();
  await database.stop();
  process.exit(1);
}
const base = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
console.log(
  [
    '',
    `Tessera is listening on ${base} (${database.embedded ? `embedded PostgreSQL, data in ${config.dataDir}` : 'PostgreSQL from DATABASE_URL'})`,
    `API reference: ${base}/docs`,
    'Create your organisation:',
    `  curl -X POST ${base}/api/signup -H "Content-Type: application/json" \\`,
    `    -d '{"slug":"acme","nome":"Acme","plano":"starter","email":"owner@acme.example","senha":"a long password"}'`,
    '',
  ].join('\n'),
);
