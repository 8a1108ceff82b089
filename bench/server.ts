// The real server for a benchmark: the application built on the benchmark's
// database, listening on a free loopback port, with its own data directory.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildApp, type BuiltApp } from '../src/app.ts';
import { generateSigningKeyPem } from '../src/auth/index.ts';
import { loadConfig, type Config } from '../src/config.ts';

export interface BenchServer {
  built: BuiltApp;
  config: Config;
  base: string;
}

type Cleanups = (() => Promise<void> | void)[];

/** Starts the server; everything it creates is undone by the pushed cleanups. */
export async function startBenchServer(
  database: { appUrl: string; operatorUrl: string },
  poolSize: number,
  cleanups: Cleanups,
): Promise<BenchServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tessera-bench-data-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const config = loadConfig({
    TESSERA_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    TESSERA_DB_POOL_SIZE: String(poolSize),
    TESSERA_JWT_PRIVATE_KEY: generateSigningKeyPem(),
    TESSERA_API_KEY_SECRET: randomBytes(32).toString('base64url'),
    // One client IP signs up every organisation, and signs in again before each phase (a short run has many a minute).
    TESSERA_SIGNUP_RATE_LIMIT: '100000',
    TESSERA_LOGIN_RATE_LIMIT: '100000',
  });
  const built = await buildApp(config, { appUrl: database.appUrl, operatorUrl: database.operatorUrl });
  cleanups.push(() => built.close());
  await built.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = built.app.server.address() as AddressInfo;
  return { built, config, base: `http://127.0.0.1:${port}` };
}
