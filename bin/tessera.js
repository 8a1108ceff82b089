#!/usr/bin/env node
// The `tessera` command (package.json "bin"). The sources are TypeScript run
// through tsx, like `npm start`, so this file only registers tsx's loader and
// hands over to src/cli/main.ts. Plain JS: it must run before tsx is loaded.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exit(await main(process.argv.slice(2)));
