// ESLint flat config: typescript-eslint's type-checked rules over every TypeScript file the compiler
// sees (tsconfig.json: src, test, bench, scripts). What matters most here is that no promise is
// dropped by accident (`no-floating-promises`) or handed to something that ignores it
// (`no-misused-promises`): a deliberately unawaited promise is written `void promise` with a comment
// saying why. Rules turned off below are stylistic ones that would rewrite working code for no safety
// gain; each says why.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The Node.js globals the plain-JavaScript launchers use (they run before any package is installed). */
const nodeGlobals = {
  process: 'readonly',
  console: 'readonly',
  Buffer: 'readonly',
  URL: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
};

export default tseslint.config(
  { ignores: ['node_modules/**', '.dockhand/**', 'test/fixtures/**', 'examples/**', 'stacks/**', 'dockerfiles/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // These two are the point of the gate; listed so that a preset change can never drop them.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // `async` without `await` is how a function that implements a Promise-returning port (TaskStore,
      // ContainerRuntime, Fastify handlers) turns a synchronous throw into a rejection; requiring an
      // `await` would mean wrapping those bodies in Promise.resolve for no gain.
      '@typescript-eslint/require-await': 'off',
      // A leading underscore marks a parameter a signature requires but this implementation ignores.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests read HTTP answers and Redis hashes as untyped JSON and check them with `expect`: the
    // assertion is the type check there, so the `no-unsafe-*` family would only add casts to every
    // line of a test. Source files keep these rules.
    files: ['test/**/*.ts', 'src/**/*.test.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // The launchers (bin/, scripts/*.js) are plain JavaScript outside tsconfig.json: no type information.
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: nodeGlobals },
  },
);
