/**
 * The description of a code package that accompanies an upload (the `data` field of the multipart
 * request), parsed once at the edge. Everything a task of this package needs is fixed here.
 */
import { z } from 'zod';
import { egressListSchema } from '../egress/allow-list.ts';
import { LIMITS } from '../limits.ts';
import { codeNameSchema, prioritySchema } from './task-request.ts';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_ENV = new Set(['TASK_ID', 'TASK_DIR', 'PAYLOAD_FILE', 'CONFIG_FILE', 'RESULT_FILE', 'SCHEDULE_ID', 'TRACEPARENT']);

export const CodeUploadSchema = z
  .strictObject({
    name: codeNameSchema,
    stack: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,63}$/, 'a stack name looks like node-20 or python-3.13').optional(),
    image: z.string().min(1).max(256).regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, 'an image reference like my/worker:1.0').optional(),
    command: z.string().min(1).max(4096).optional(),
    env_vars: z
      .record(z.string().regex(ENV_NAME, 'environment variable names are letters, digits and "_"'), z.string().max(32_768))
      .refine((vars) => Object.keys(vars).every((k) => !RESERVED_ENV.has(k)), 'env_vars may not set TASK_ID, TASK_DIR, PAYLOAD_FILE, CONFIG_FILE, RESULT_FILE, SCHEDULE_ID or TRACEPARENT')
      .default({}),
    config: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    max_concurrency: z.coerce.number().int().min(-1).max(10_000).default(-1),
    retries: z.coerce.number().int().min(0).max(LIMITS.retriesMax).default(0),
    retries_delay: z.coerce.number().int().min(0).max(LIMITS.delayMax).default(60),
    timeout: z.coerce.number().int().min(1).max(LIMITS.timeoutMax).default(LIMITS.timeoutDefault),
    memory: z.coerce.number().int().min(LIMITS.memoryMinMb).max(LIMITS.memoryMaxMb).default(LIMITS.memoryDefaultMb),
    cpus: z.coerce.number().min(0.01).max(LIMITS.cpusMax).default(LIMITS.cpusDefault),
    network: z.boolean().default(false),
    /** Destinations its network-enabled tasks may reach even when private: `host:port`, `CIDR`, ... (docs/security.md "Egress"). */
    egress: egressListSchema.optional(),
    default_priority: prioritySchema.default(0),
  })
  .refine((c) => !(c.stack && c.image), { message: 'give either stack or image, not both', path: ['image'] })
  .refine((c) => !(c.egress && c.egress.length > 0 && !c.network), { message: 'an egress allow-list needs network: true (--network)', path: ['egress'] });

export type CodeUpload = z.infer<typeof CodeUploadSchema>;
