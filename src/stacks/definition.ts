/**
 * A stack definition (`stacks/<name>.yaml`): which Dockerfile builds the stack's image on which Debian
 * release, how a code package is run and its dependencies installed, how to read the language version
 * from the built image, and a smoke test. Parsed once with zod; inside Dockhand the type is trusted.
 *
 *   const def = parseStackDefinition(readFileSync('stacks/node-20.yaml', 'utf8'), 'stacks/node-20.yaml');
 *   def.run // 'node {entry}'
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DhError } from '../core/errors.ts';

/** Stacks named after a purpose rather than a language version. */
export const PURPOSE_STACK_NAMES = ['shell', 'default', 'media'] as const;

const LANGUAGE = /^[a-z][a-z0-9]*$/;
const VERSION = /^[0-9]+(\.[0-9]+)*$/;
const STACK_NAME = /^[a-z][a-z0-9]*(-[0-9]+(\.[0-9]+)*)?$/;
/**
 * A relative path of plain segments, each starting with a letter, digit or underscore: so no `.` or
 * `..` segment, no absolute path, and nothing a shell would interpret.
 */
const SAFE_RELATIVE_PATH = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;
const FILE_NAME = /^[A-Za-z0-9_.][A-Za-z0-9._-]*$/;

const DepsRuleSchema = z.strictObject({
  /** A file at the top of the code package whose presence selects this rule, e.g. `package-lock.json`. */
  when: z.string().regex(FILE_NAME, 'must be a plain file name'),
  /** Shell line run in the code directory inside the stack image, with network, at upload time. */
  run: z.string().trim().min(1),
});

const SmokeSchema = z.strictObject({
  /** Source of a tiny program, written as the stack's default entry file. */
  source: z.string().min(1),
  /** Payload handed to the program through PAYLOAD_FILE. */
  payload: z.unknown().optional(),
  /** A substring the program's output must contain. */
  expect: z.string().min(1),
});

export const StackDefinitionSchema = z
  .strictObject({
    name: z.string().regex(STACK_NAME, 'must be <language>-<version> (e.g. node-20) or a purpose name (shell, default, media)'),
    description: z.string().optional(),
    language: z.string().regex(LANGUAGE, 'must be a lowercase word such as node or python'),
    /** Debian release of the base image: trixie, bookworm... */
    base: z.string().regex(/^[a-z]+$/, 'must be a Debian release name such as trixie or bookworm'),
    /** Path of the Dockerfile under dockerfiles/; its directory is the build context. */
    dockerfile: z.string().regex(SAFE_RELATIVE_PATH, 'must be a relative path under dockerfiles/ such as node-20/Dockerfile'),
    /** Shell line that runs a code package; `{entry}` is replaced by the entry file. */
    run: z.string().trim().min(1).refine((run) => run.includes('{entry}'), 'must contain the {entry} placeholder'),
    /** The entry file when a code package names none. */
    entry: z.string().regex(SAFE_RELATIVE_PATH, 'must be a relative path inside the code package'),
    /** How dependencies are installed at upload: the first rule whose file exists wins. */
    deps: z.array(DepsRuleSchema).default([]),
    /** Prints the language version inside the image; the build records what it prints. */
    version_command: z.string().trim().min(1),
    smoke: SmokeSchema,
  })
  .superRefine((def, ctx) => {
    const isPurpose = (PURPOSE_STACK_NAMES as readonly string[]).includes(def.name);
    const version = def.name.startsWith(`${def.language}-`) ? def.name.slice(def.language.length + 1) : undefined;
    if (!isPurpose && (version === undefined || !VERSION.test(version))) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: `must be "${def.language}-<version>" for language ${def.language}, or one of ${PURPOSE_STACK_NAMES.join(', ')}` });
    }
  });

export type StackDefinition = z.infer<typeof StackDefinitionSchema>;

/** The version a stack's name promises (`node-20` -> `20`); purpose stacks promise none. */
export function promisedVersion(def: Pick<StackDefinition, 'name' | 'language'>): string | undefined {
  if ((PURPOSE_STACK_NAMES as readonly string[]).includes(def.name)) return undefined;
  return def.name.slice(def.language.length + 1);
}

/** Parses YAML (or JSON, which is YAML) text; errors name the file and the field. */
export function parseStackDefinition(text: string, source: string): StackDefinition {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new DhError('DH_ERR_CONFIG', `Stack definition ${source} is not valid YAML: ${(err as Error).message}`);
  }
  const parsed = StackDefinitionSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    throw new DhError('DH_ERR_CONFIG', `Stack definition ${source}: ${field} ${issue.message}.`, { source, field });
  }
  return parsed.data;
}

export function isSafeRelativePath(value: string): boolean {
  return SAFE_RELATIVE_PATH.test(value);
}
