// `npm run up`: installs what is missing, then runs `dockhand up` in the foreground.
import { ensureDependencies } from './ensure-deps.js';

ensureDependencies();
const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../src/cli/main.ts');
await main([process.argv[0], 'dockhand', 'up', ...process.argv.slice(2)]);
process.exit(process.exitCode ?? 0);
