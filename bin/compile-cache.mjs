// V8's compiled code for the installed packages, kept between runs: synth
// loads 23 MB of JavaScript (the Kubernetes provider's Deployment, Job and
// CronJob bindings are 14 MB of it), and compiling it anew on every run was
// a third of a synth. Node 22.1+ has this built in (module.enableCompileCache);
// on Node 20 the same is done here, for files under node_modules only (ours
// are bundled afresh on every run). The cache lives in
// node_modules/.cache/mls-platform-infra/v8 (or $MLS_COMPILE_CACHE), one file per source file, keyed
// by Node's version and the file's path, size and modification time; V8
// checks each entry too and recompiles when it refuses one. Entries are
// written to a temporary name and renamed, so two runs at once are safe.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { Module } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** The `require` a CommonJS module sees, as Node makes it. */
function requireOf(mod) {
  const require = (id) => mod.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  require.main = process.mainModule;
  require.cache = Module._cache;
  require.extensions = Module._extensions;
  return require;
}

export function enableCompileCache(root) {
  const dir = process.env.MLS_COMPILE_CACHE || join(root, 'node_modules', '.cache', 'mls-platform-infra', 'v8');
  if (typeof Module.enableCompileCache === 'function') {
    Module.enableCompileCache(dir);
    return;
  }
  const fresh = [];
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    if (!filename.includes('/node_modules/')) return compile.call(this, content, filename);
    const { size, mtimeMs } = statSync(filename);
    const key = createHash('sha1').update(`${process.version}\0${filename}\0${size}\0${mtimeMs}`).digest('hex');
    const file = join(dir, key);
    let cachedData;
    try {
      cachedData = readFileSync(file);
    } catch {
      // not cached yet
    }
    const script = new Script(Module.wrap(content), { filename, cachedData });
    if (cachedData === undefined || script.cachedDataRejected) fresh.push({ file, script });
    const fn = script.runInThisContext({ displayErrors: true });
    return fn.call(this.exports, this.exports, requireOf(this), this, filename, dirname(filename));
  };
  // Written at exit: the code V8 compiled lazily while the run used it is then in the cache too.
  process.once('exit', () => {
    try {
      mkdirSync(dir, { recursive: true });
      for (const { file, script } of fresh) {
        const tmp = `${file}.${process.pid}`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, file);
      }
    } catch {
      // A cache that cannot be written (read-only node_modules) only costs time.
    }
  });
}
