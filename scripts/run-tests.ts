// `npm test`: type-check, then run every *.test.ts with Node's test runner
// against DATABASE_URL, or against an embedded PostgreSQL started (and
// stopped) for this run. Each test file creates its own throwaway database.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/platform/db/embedded.ts';
import { ensureRoles } from '../src/platform/db/roles.ts';
import { deriveConnectionUrls } from '../src/platform/db/connection-urls.ts';

const root = path.resolve(import.meta.dirname, '..');

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function findTests(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.test.ts')) found.push(path.relative(root, path.join(entry.parentPath, entry.name)));
  }
  return found;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

// `npm test -- <substring>...` runs the matching files only; `--no-typecheck` skips tsc (local iteration).
const args = process.argv.slice(2);
const filter = args.filter((arg) => !arg.startsWith('--'));
const typecheck = args.includes('--no-typecheck') ? 0 : await run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit']);
if (typecheck !== 0) {
  console.error('Type check failed.');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

let stop = async () => {};
let tempDir: string | null = null;
const env: NodeJS.ProcessEnv = { ...process.env };
if (!env.DATABASE_URL) {
  tempDir = await mkdtemp(path.join(os.tmpdir(), 'tessera-test-pg-'));
  const embedded = await startEmbeddedPostgres({ dataDir: tempDir, port: await freePort(), database: 'postgres' });
  stop = embedded.stop;
  env.DATABASE_URL = embedded.adminUrl;
  env.DATABASE_APP_URL = embedded.appUrl;
  env.DATABASE_OPERATOR_URL = embedded.operatorUrl;
  const admin = new pg.Client({ connectionString: embedded.adminUrl });
  await admin.connect();
  await ensureRoles(admin, { app: embedded.passwords.app, operator: embedded.passwords.operator });
  await admin.end();
  console.log(`Embedded PostgreSQL for the tests in ${tempDir}`);
} else {
  const urls = deriveConnectionUrls(env.DATABASE_URL, env.DATABASE_APP_URL ?? null, env.DATABASE_OPERATOR_URL ?? null);
  env.DATABASE_APP_URL = urls.appUrl;
  env.DATABASE_OPERATOR_URL = urls.operatorUrl;
  // Roles are cluster-wide: create them once here rather than racing from every test file.
  const admin = new pg.Client({ connectionString: env.DATABASE_URL });
  await admin.connect();
  await ensureRoles(admin, {});
  await admin.end();
}

let code = 1;
try {
  const files = [...(await findTests(path.join(root, 'src'))), ...(await findTests(path.join(root, 'test')))]
    .filter((file) => filter.length === 0 || filter.some((part) => file.includes(part)))
    .sort();
  code = await run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=3', ...files], env);
} finally {
  await stop();
  if (tempDir) await rm(tempDir, { recursive: true, force: true });
}
process.exit(code);
