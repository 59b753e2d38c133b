/**
 * The SDK entry (what `import { Dockhand } from 'dockhand'` loads) stays light: its import graph,
 * followed through every relative import that is not type-only, reaches only the few packages an
 * HTTP client needs, never the server's (Fastify, dockerode, ioredis, the OpenTelemetry SDK, pino).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.ts';

/** Packages the SDK may load at run time: packing a directory for upload, and reading a log's SSE stream. */
const ALLOWED_PACKAGES = new Set(['ignore', 'tar-fs', 'eventsource-parser']);

/** Value imports of a module (type-only imports and exports are erased by the compiler). */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.isTypeOnly) continue;
      const named = clause?.namedBindings;
      if (clause && !clause.name && named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)) continue;
      found.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
      found.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  // Dynamic imports load on demand, but would still be reachable: count them too.
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && ts.isStringLiteral(node.arguments[0]!)) found.push(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function importGraph(entry: string): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (modules.has(file)) continue;
    modules.add(file);
    for (const specifier of runtimeImports(file)) {
      if (specifier.startsWith('.')) pending.push(path.resolve(path.dirname(file), specifier));
      else if (!specifier.startsWith('node:')) packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
    }
  }
  return { modules, packages };
}

describe('the SDK entry', () => {
  const { modules, packages } = importGraph(path.join(REPO_ROOT, 'src/sdk/index.ts'));

  it('loads no package beyond what packing and HTTP need', () => {
    expect([...packages].filter((name) => !ALLOWED_PACKAGES.has(name))).toEqual([]);
  });

  it('reaches no server, worker or CLI module', () => {
    const outside = [...modules].map((file) => path.relative(path.join(REPO_ROOT, 'src'), file)).filter((file) => /^(api|worker|cli|roles|runtime|store|service|queue|scheduler|host|stacks)\//.test(file));
    expect(outside).toEqual([]);
  });
});
