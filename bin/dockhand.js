#!/usr/bin/env node
// The `dockhand` command. Dockhand runs its TypeScript sources directly through tsx, so a fresh
// clone needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
// Idle keep-alive connections would hold the process open for seconds after the work is done.
process.exit(process.exitCode ?? 0);
