// The real entry point (src/main.ts) as a child process: it migrates, serves,
// and on SIGTERM finishes in-flight requests, then exits 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let database: TestDatabase;
let dataDir: string;
before(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tessera-shutdown-'));
});
after(async () => {
  await database.drop();
  await rm(dataDir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

test('npm start serves, and SIGTERM drains and exits 0', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.adminUrl,
      DATABASE_APP_URL: database.appUrl,
      DATABASE_OPERATOR_URL: database.operatorUrl,
      TESSERA_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    for (let attempt = 0; attempt < 600 && !output.includes('listening'); attempt++) await new Promise((r) => setTimeout(r, 100));
    assert.match(output, /Tessera is listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(output, /\/api\/signup/, 'it says how to sign up');
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 200);
    // A request in flight when SIGTERM arrives still gets its answer.
    const inFlight = fetch(`http://127.0.0.1:${port}/api/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ slug: 'drain-test', nome: 'Drain', plano: 'starter', email: 'd@drain.example', senha: 'correct horse battery' }),
    });
    // Signup hashes a password (tens of milliseconds): signal while it is inside the handler.
    await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGTERM');
    const response = await inFlight;
    assert.equal(response.status, 201);
    assert.equal(await exited, 0, output);
  } finally {
    child.kill('SIGKILL');
  }
});
