// Import direction (README, Development): commands -> cli -> services -> app -> (gateways, store, secrets) -> core,
// and sandbox -> gateways. A module may import its own layer or any layer below it, never one above or beside
// it, and no two modules may import each other even indirectly. `npm run lint` runs this check.
const layer = (name) => `^src/${name}/`
const rule = (name, from, notTo, comment) => ({name, comment, severity: 'error', from: {path: from}, to: {path: notTo}})

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'Two modules that import each other, directly or through others.',
      severity: 'error',
      from: {},
      to: {circular: true},
    },
    rule(
      'core-is-pure',
      layer('core'),
      '^src/(?!core/)',
      'core/ is the pure domain: it imports nothing else of the project.',
    ),
    rule(
      'gateways-below-services',
      layer('gateways'),
      '^src/(store|secrets|services|app|cli|commands|sandbox)/',
      'gateways/ is production code that only knows core.',
    ),
    rule(
      'store-below-services',
      layer('store'),
      '^src/(gateways|secrets|services|app|cli|commands|sandbox)/',
      'store/ only knows core.',
    ),
    rule(
      'secrets-below-services',
      layer('secrets'),
      '^src/(gateways|store|services|app|cli|commands|sandbox)/',
      'secrets/ only knows core.',
    ),
    rule(
      'sandbox-above-gateways',
      layer('sandbox'),
      '^src/(store|secrets|services|app|cli|commands)/',
      'sandbox/ renders the scenario through gateways/ facts; the production code never imports it.',
    ),
    rule(
      'app-below-services',
      layer('app'),
      '^src/(services|cli|commands|sandbox)/',
      'app/ is what services and cli share: it knows nothing of either.',
    ),
    rule(
      'services-below-cli',
      layer('services'),
      '^src/(cli|commands)/',
      'services return views; they never render or parse flags.',
    ),
    rule('cli-below-commands', layer('cli'), '^src/commands/', 'cli/ is shared by commands and never imports one.'),
    rule('src-never-imports-tests', '^src/', '^test/', 'Production code never depends on tests.'),
  ],
  options: {
    doNotFollow: {path: 'node_modules'},
    tsPreCompilationDeps: true,
    tsConfig: {fileName: 'tsconfig.json'},
    enhancedResolveOptions: {extensions: ['.ts', '.js']},
  },
}
