// Jest's transform for our TypeScript: esbuild, the compiler the app command
// already runs the same sources through (bin/load-ts.mjs), with the project's
// tsconfig. Transpile only: `npm run typecheck` is the type check. ts-jest
// cost the unit suite about a second a run on 2 cores: it loads the
// TypeScript compiler into every worker and resolves each file's imports to
// key its cache, even when every file is cached.
const { transformSync, version } = require('esbuild');
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const TSCONFIG = readFileSync(join(__dirname, '..', 'tsconfig.json'), 'utf8');
const OPTIONS = {
  loader: 'ts',
  format: 'cjs',
  target: 'node20',
  platform: 'node',
  sourcemap: 'external',
  sourcesContent: false,
  tsconfigRaw: TSCONFIG,
  // `import()` as `require` (as tsc's CommonJS output has it): jest runs each
  // file in a VM context, where a real dynamic import needs an experimental flag.
  supported: { 'dynamic-import': false },
};
// What else decides the output: esbuild's version, the options, this file.
const SALT = createHash('sha1').update(version).update(TSCONFIG).update(readFileSync(__filename)).digest('hex');

module.exports = {
  // Jest keys its cache with this alone: whether it instruments the output
  // for coverage (after this transform) must be in it, as in its own key.
  getCacheKey(source, path, options) {
    return createHash('sha1')
      .update(SALT)
      .update(options.instrument ? 'instrument\0' : '\0')
      .update(path)
      .update('\0')
      .update(source)
      .digest('hex');
  },
  process(source, path) {
    const { code, map } = transformSync(source, { ...OPTIONS, sourcefile: path });
    return { code, map };
  },
};
