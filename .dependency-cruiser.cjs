// The layering docs/architecture.md describes ("Modules under src/"), checked on every `npm run lint`.
// Each rule names what it protects; each exception names why it exists and what would remove it.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle between modules means neither can be understood, tested or loaded without the other. Move the shared part down into a module both import.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment:
        'src/core is pure policy and data: it imports only itself, zod and yaml (parsing) and node:crypto (random ids); ' +
        'no file, network, process, Redis or Docker I/O. Move the I/O into store/, runtime/ or service/ and pass its result in.',
      from: { path: '^src/core/', pathNot: '\\.test\\.ts$' },
      // Node's own modules are reported by their bare name ("crypto" for node:crypto).
      to: { pathNot: ['^src/core/', '^node_modules/(zod|yaml)/', '^crypto$'] },
    },
    {
      name: 'dockerode-only-at-the-engine-edge',
      severity: 'error',
      comment:
        'Only runtime/ (the ContainerRuntime adapter), host/ (provisioning the engine), stacks/ (building stack images) and the ' +
        'composition roots that construct the one Docker client (roles/) may import dockerode. Everything else takes a port.',
      from: {
        pathNot: [
          '^src/(runtime|host|stacks|roles)/',
          // deploy/ builds Dockhand's own images and drives a Swarm through the engine, like host/ and stacks/.
          '^src/deploy/',
          // Composition roots of their own processes: each constructs the Docker client and hands it down.
          // The watchdog is a separate process (worker/watchdog.ts starts it); `dockhand run-local` and
          // `dockhand stacks ...` work on the local engine without a server.
          '^src/worker/watchdog-main\\.ts$',
          '^src/cli/actions/run-local\\.ts$',
          '^src/cli/commands/stacks\\.ts$',
          '^src/cli/commands/deploy\\.ts$',
          // The watchdog's container form: the worker starts watchdog-main.ts as a container on its engine.
          '^src/worker/watchdog-container\\.ts$',
          // EXCEPTIONS, to be removed by an image port in runtime/ (inspect, tag, build FROM) that the worker
          // and the stack check take instead of a dockerode client:
          '^src/worker/custom-image\\.ts$',
          '^src/worker/image-resolver\\.ts$',
          '^src/cli/actions/stacks-check\\.ts$',
          '^src/cli/actions/stacks-deps\\.ts$',
          // EXCEPTION: the upload-time build constructs its own engine client (lazily, per AppContext).
          // Removed when the server role passes a build host in through AppContext.
          '^src/service/code-build\\.ts$',
          '^(test|bench)/',
        ],
      },
      to: { path: '^node_modules/(dockerode|@types/dockerode)/' },
    },
    {
      name: 'nothing-below-imports-the-front-doors',
      severity: 'error',
      comment:
        'api/, cli/, worker/ and sdk/ sit on top: only roles/ (which starts them) and the front doors themselves may import them. ' +
        'Move what the lower module needs down (into core/, service/ or a port in store/).',
      from: { path: '^src/', pathNot: ['^src/(api|cli|worker|sdk|roles)/'] },
      to: { path: '^src/(api|cli|worker|sdk)/' },
    },
  ],
  options: {
    // dist/ is compiled src/ (the bench's worker memory run starts it); its rules are src/'s.
    doNotFollow: { path: ['node_modules', '^dist/'] },
    exclude: { path: '^test/fixtures/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
