/**
 * The stack a code package runs on: the one it names, `default` when it names none, and none at all
 * for a package that runs a custom image (its image is the operator's to provide). The one home of
 * that rule for uploads, workers and wait reasons.
 *
 *   packageStack({ stack: 'python-3.11' }) // 'python-3.11'
 *   packageStack({})                       // 'default'
 *   packageStack({ image: 'acme/tool:1' }) // undefined
 */
export function packageStack(pkg: { stack?: string | undefined; image?: string | undefined }): string | undefined {
  return pkg.image ? undefined : (pkg.stack ?? 'default');
}
