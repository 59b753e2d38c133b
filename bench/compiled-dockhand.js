#!/usr/bin/env node
// The `dockhand` command run from the compiled JavaScript in dist/, as the installed package and
// Dockhand's own image run it. In a checkout bin/dockhand.js runs the TypeScript sources through tsx
// instead, whose compiler stays loaded in the process; the worker memory run measures this form, the one
// users deploy. `npm run build` (which the bench runs first) writes dist/.
const { main } = await import('../dist/cli/main.js');
await main(process.argv);
process.exit(process.exitCode ?? 0);
