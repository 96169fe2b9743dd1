// House ESLint rules, shared by the root configuration (crds, operator, kubectl-k0smotron,
// testenv, bench, scripts, e2e: see .eslintrc.js) and the Backstage packages' configurations
// (plugins/*/.eslintrc.js, packages/*/.eslintrc.js), so both halves of the repository are held to
// the same bar. `npm run lint` fails on warnings too (--max-warnings 0), so a rule here is either
// worth fixing or off; the few warnings Backstage's shared configuration emits count as errors.

// Every file, JavaScript included.
const rules = {
  // Two import statements for one module split what a file uses from it across the header.
  // eslint-plugin-import's rule rather than ESLint's no-duplicate-imports: it compares resolved
  // modules ('./a' and './a.ts' are one), and it can fix: with prefer-inline a type import joins
  // the value import as `import { value, type T }`. A file that imports only types from a module
  // may keep `import type { ... }`.
  'import/no-duplicates': ['error', { 'prefer-inline': true }],
  // Style, not a defect: Prettier lays a nested conditional out one branch per line, which reads
  // as a table (status → colour, state → label), the way this code uses it.
  'no-nested-ternary': 'off',
  // A `let` declared before a closure that reads it and assigned once later (a shutdown hook
  // registered before the thing it stops exists) cannot be a `const`: the closure would meet it
  // in its temporal dead zone. Such a variable is read before its assignment, so it is exempt.
  'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
};

// TypeScript files only (the rules need type syntax or replace core rules that misread it).
const tsRules = {
  // Unused code is a bug (a value computed and then forgotten) or clutter. `_` marks a parameter
  // or binding that must exist for its position (a callback signature, a tuple slot, a rest
  // sibling that removes a key) but is not read. tsconfig has no noUnusedLocals, so this is the
  // only check; Backstage's shared configuration leaves it to the compiler, so it is turned back on.
  'no-unused-vars': 'off',
  '@typescript-eslint/no-unused-vars': [
    'error',
    {
      vars: 'all',
      args: 'after-used',
      argsIgnorePattern: '^_',
      varsIgnorePattern: '^_',
      caughtErrors: 'all',
      caughtErrorsIgnorePattern: '^_',
      destructuredArrayIgnorePattern: '^_',
      ignoreRestSiblings: true,
    },
  ],
  // `any` switches the type checker off for everything it touches. Where it is really needed
  // (a third-party type that is wrong), write
  //   // eslint-disable-next-line @typescript-eslint/no-explicit-any -- <why>
  // so the reason sits next to the escape hatch; disable comments that no longer suppress
  // anything are reported (reportUnusedDisableDirectives).
  '@typescript-eslint/no-explicit-any': 'error',
  // Types are imported as types (`import type { T }` or `import { v, type T }`), as most of the
  // code already does: files are compiled one at a time (isolatedModules: SWC in Jest, esbuild
  // for the CLI bundle, tsx), and a marked import is visibly erased, so a type-only dependency
  // can never load a module or close an import cycle at run time. Fixable with --fix.
  '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
};

// Extra configuration for @backstage/cli/config/eslint-factory (plugins/*, packages/*).
const backstage = {
  rules: {
    ...rules,
    // Backstage's recommended configuration makes this a warning; here it fails like the rest.
    '@backstage/no-mixed-plugin-imports': 'error',
  },
  tsRules,
  overrides: [
    {
      // Integration tests (`*.itest.ts`), test helpers (src/testing) and benchmark drivers
      // (src/bench) are development code, but Backstage's rule only knows `*.test.*` and a few
      // folder names, so it would demand that their test libraries become runtime dependencies.
      files: ['src/**/*.itest.*', 'src/testing/**', 'src/bench/**'],
      rules: { '@backstage/no-undeclared-imports': 'off' },
    },
  ],
};

module.exports = { rules, tsRules, backstage };
