#!/usr/bin/env node
// The `dockhand` command. The installed package runs its compiled JavaScript (dist/). A checkout (where
// src/ exists: the package does not ship it) runs the TypeScript sources through tsx, so no build step
// is needed there and an edit never meets a stale dist/.
import { existsSync } from 'node:fs';

const checkout = existsSync(new URL('../src/cli/main.ts', import.meta.url));
let main;
if (checkout) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
await main(process.argv);
// Idle keep-alive connections would hold the process open for seconds after the work is done.
process.exit(process.exitCode ?? 0);
