/**
 * Builds the web console (type check, then Vite) into dist/web, unless the build is newer than every source it
 * comes from (the console's web/ folder, the lib's flow description parsers, this package's lockfile entry), so the
 * root `npm run build` stays fast when the console did not change. `--force` always builds.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const root = join(here, '../..');
const output = join(here, 'dist/web/index.html');
const sources = [join(here, 'web'), join(root, 'packages/lib/src/flow/description'), join(root, 'packages/lib/src/flow/types.ts'), join(here, 'package.json')];

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((e) => newest(join(path, e))));
}

const force = process.argv.includes('--force');
if (!force && existsSync(output) && statSync(output).mtimeMs >= Math.max(...sources.filter(existsSync).map(newest))) {
  console.log('web console: up to date (dist/web)');
  process.exit(0);
}
const bin = (name) => join(root, 'node_modules/.bin', name);
console.log('web console: type check');
execFileSync(bin('tsc'), ['-p', join(here, 'web/tsconfig.json')], { stdio: 'inherit', cwd: here });
console.log('web console: vite build');
execFileSync(bin('vite'), ['build', '--config', join(here, 'web/vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit', cwd: join(here, 'web') });
// Compressed once here, not per request: the server sends file.br or file.gz to a browser that accepts them
// (a fifth of the bytes; src/server/index.ts).
let saved = 0;
for (const dir of [join(here, 'dist/web'), join(here, 'dist/web/assets')]) {
  for (const name of readdirSync(dir)) {
    if (!/\.(js|css|html|svg|json)$/.test(name)) continue;
    const data = readFileSync(join(dir, name));
    const br = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } });
    writeFileSync(join(dir, `${name}.br`), br);
    writeFileSync(join(dir, `${name}.gz`), gzipSync(data, { level: 9 }));
    saved += data.length - br.length;
  }
}
console.log(`web console: built into dist/web (brotli saves ${Math.round(saved / 1024)} kB)`);
