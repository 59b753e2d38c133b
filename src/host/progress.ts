/**
 * How provisioning and image builds report progress: one human line at a time. Callers decide where
 * lines go (stderr for the CLI and scripts, a test's buffer, nowhere).
 *
 *   await ensureRedis({ dataDir, log: (line) => process.stderr.write(`${line}\n`) });
 */
export type ProgressLog = (line: string) => void;
