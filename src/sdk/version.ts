/**
 * The version of this Dockhand package, read from its package.json (two levels up from both src/sdk and
 * the compiled dist/sdk), for `dockhand --version` and the server's OpenAPI document.
 */
import { readFileSync } from 'node:fs';

export const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
