#!/usr/bin/env node
/**
 * Stages what an image needs under <out>/opt/sedna: the built dist/ and package.json of the given workspaces and of
 * the workspaces they depend on, and their production dependencies only (resolved from package-lock.json as npm
 * lays them out, native builds included), never dev dependencies, sources or tests.
 *   node deploy/images/stage-app.mjs <out> <workspace...> [--exclude <package>...]
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const exIndex = args.indexOf('--exclude');
const excluded = new Set(exIndex >= 0 ? args.slice(exIndex + 1) : []);
const [out, ...workspaces] = exIndex >= 0 ? args.slice(0, exIndex) : args;
if (!out || workspaces.length === 0) {
  console.error('usage: stage-app.mjs <out> <workspace...> [--exclude <package>...]');
  process.exit(2);
}
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;

/** The lock entry a dependency `name` of the package at `from` resolves to (nearest node_modules upwards). */
function resolveDep(from, name) {
  for (let dir = from; ; dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : '') {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (lock[candidate]) return candidate;
    if (!dir) return undefined;
  }
}

const wanted = new Set();
const queue = workspaces.map((w) => w.replace(/\/$/, ''));
while (queue.length) {
  const path = queue.shift();
  if (wanted.has(path)) continue;
  const entry = lock[path];
  if (!entry) throw new Error(`not in package-lock.json: ${path}`);
  wanted.add(path);
  // A workspace link (node_modules/@sedna/x -> packages/x): follow it.
  if (entry.link) {
    queue.push(entry.resolved);
    continue;
  }
  for (const name of [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {})]) {
    if (excluded.has(name)) continue;
    const dep = resolveDep(path, name);
    if (dep) queue.push(dep);
    else if (!(entry.optionalDependencies ?? {})[name]) throw new Error(`${path}: dependency ${name} not found in package-lock.json`);
  }
}

// In a package built with node-gyp (it has binding.gyp): everything but the built module and its JavaScript.
const NATIVE_BUILD_LEFTOVERS = /^(deps|src)(\/|$)|^build\/(deps|Release\/(obj|obj\.target|\.deps|test_extension\.node))(\/|$)|\.a$/;
function keeper(src) {
  const native = existsSync(join(src, 'binding.gyp'));
  return (rel) => {
    if (rel === '') return true;
    if (rel.split('/').includes('node_modules')) return false;
    if (/\.(map|d\.ts|d\.mts|d\.cts|md)$/.test(rel)) return false;
    return !(native && NATIVE_BUILD_LEFTOVERS.test(rel));
  };
}

// The links node_modules/@sedna/x of every staged workspace, so that `@sedna/x` resolves from anywhere in /opt/sedna.
for (const [path, entry] of Object.entries(lock)) if (entry.link && wanted.has(entry.resolved)) wanted.add(path);

const target = join(resolve(out), 'opt/sedna');
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
cpSync(join(root, 'package.json'), join(target, 'package.json'));
let files = 0;
for (const path of [...wanted].sort()) {
  const entry = lock[path];
  const dest = join(target, path);
  if (entry.link) {
    mkdirSync(dirname(dest), { recursive: true });
    symlinkSync(relative(dirname(dest), join(target, entry.resolved)), dest);
    continue;
  }
  const src = join(root, path);
  if (!existsSync(src)) continue; // an optional dependency for another platform
  if (path.startsWith('packages/')) {
    // A workspace: its manifest and build output only.
    mkdirSync(dest, { recursive: true });
    cpSync(join(src, 'package.json'), join(dest, 'package.json'));
    cpSync(join(src, 'dist'), join(dest, 'dist'), { recursive: true, filter: (f) => !f.endsWith('.map') && !f.endsWith('.d.ts') && !f.endsWith('.tsbuildinfo') && !/\.test\.js$/.test(f) });
  } else {
    // A dependency, without its own nested node_modules (those are staged as entries of their own), type
    // declarations, source maps, and a native module's sources and intermediate build files.
    const keep = keeper(src);
    cpSync(src, dest, { recursive: true, filter: (f) => keep(relative(src, f)) });
  }
  files++;
}
console.log(`staged ${files} packages for ${workspaces.join(', ')} in ${target}`);
