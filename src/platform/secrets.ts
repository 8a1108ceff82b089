// Server secrets that may be generated once and kept in the data directory
// when the environment does not provide them. Several processes starting
// together agree on one value: the first to create the file wins and the
// others read it.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function loadOrCreateSecretFile(dataDir: string, name: string, create: () => string): Promise<string> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, name);
  try {
    await writeFile(file, create(), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFile(file, 'utf8');
}
