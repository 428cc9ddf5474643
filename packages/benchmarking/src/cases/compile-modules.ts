/**
 * The TypeScript module and metric files of a job, compiled once by the runner (esbuild) into JavaScript that the
 * cases' threads import directly. Without this every case registered tsx, whose module hooks run on a
 * thread of their own and make every later import a round trip to it: about 1.5-2.5 s of CPU per case, paid by
 * every case of the grid (in parallel runs, by two at once on two cores).
 *
 * Each file is bundled with its relative imports; package imports (`@sedna/lib/...`) stay imports, resolved here to
 * the file they name from the module's own folder, so the case shares the one ClassFactory with the runner's code.
 * `import.meta.url`, `import.meta.dirname` and `import.meta.filename` keep the meaning they have in the source file.
 * A file that does not compile is left to tsx in the case, so its error is the one users see today.
 *
 * Compiled files are kept in the runner's cache (`$SEDNA_BENCHMARK_CACHE/modules/`), each with the list of the files
 * it was built from (size and mtime): a job whose module files did not change since an earlier job starts no
 * esbuild at all (its service start is about half a second, before any case can start).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Esbuild from 'esbuild';
import type { CaseSpec } from './spec.js';

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts']);

/** The .ts files a case may import: module urls, metric urls, model_eval's metric url. */
function typeScriptUrls(specs: readonly CaseSpec[]): string[] {
  const urls = new Set<string>();
  for (const spec of specs) {
    for (const m of spec.modules) if (m.url) urls.add(m.url);
    for (const m of spec.testenv.metrics) if (m.url) urls.add(m.url);
    if (spec.testenv.modelEval.metric.url) urls.add(spec.testenv.modelEval.metric.url);
  }
  return [...urls].filter((u) => TYPESCRIPT.has(extname(u).toLowerCase()));
}

/**
 * Compiles every TypeScript module file of the specs into `dir`; returns source path -> compiled file for those
 * that compiled. Never throws: a file left out is loaded through tsx by the case, as before.
 */
export async function compileModuleFiles(specs: readonly CaseSpec[], dir: string, log: (line: string) => void): Promise<Record<string, string>> {
  const urls = typeScriptUrls(specs);
  const out: Record<string, string> = {};
  const stale: string[] = [];
  for (const url of urls) {
    const cached = compiledUpToDate(dir, url);
    if (cached) out[url] = cached;
    else stale.push(url);
  }
  if (stale.length === 0) return out;
  let esbuild: typeof Esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return out;
  }
  mkdirSync(dir, { recursive: true });
  await Promise.all(
    stale.map(async (url) => {
      const { outfile, manifest } = cacheFiles(dir, url);
      const part = `${outfile}.${process.pid}.part.mjs`;
      try {
        const result = await esbuild.build({
          entryPoints: [resolve(url)],
          outfile: part,
          bundle: true,
          format: 'esm',
          platform: 'node',
          target: 'node20',
          sourcemap: 'inline',
          // resolve packages as Node does (no 'module' condition or field)
          conditions: [],
          mainFields: ['main'],
          absWorkingDir: '/',
          metafile: true,
          logLevel: 'silent',
          plugins: [packagesAsAbsoluteImports(), keepImportMeta()],
        });
        // Renamed into place: jobs running at once may compile the same file.
        renameSync(part, outfile);
        const inputs = Object.keys(result.metafile?.inputs ?? {}).map((p) => resolve('/', p));
        writeFileSync(`${manifest}.${process.pid}.part`, JSON.stringify({ inputs: inputs.map(fileStamp) } satisfies Manifest));
        renameSync(`${manifest}.${process.pid}.part`, manifest);
        out[url] = outfile;
      } catch (err) {
        log(`note: ${url} does not compile ahead (${firstLine(err)}); its cases load it through tsx`);
      }
    }),
  );
  return out;
}

interface Stamp {
  path: string;
  size: number;
  mtimeMs: number;
}

interface Manifest {
  inputs: Stamp[];
}

function fileStamp(path: string): Stamp {
  const st = statSync(path, { throwIfNoEntry: false });
  return { path, size: st?.size ?? -1, mtimeMs: st?.mtimeMs ?? -1 };
}

function cacheFiles(dir: string, url: string): { outfile: string; manifest: string } {
  const key = createHash('sha256').update(resolve(url)).digest('hex').slice(0, 24);
  return { outfile: join(dir, `${key}.mjs`), manifest: join(dir, `${key}.json`) };
}

/** The compiled file of `url` when every file it was built from is unchanged (same size and mtime). */
function compiledUpToDate(dir: string, url: string): string | undefined {
  const { outfile, manifest } = cacheFiles(dir, url);
  try {
    const { inputs } = JSON.parse(readFileSync(manifest, 'utf8')) as Manifest;
    const unchanged = inputs.length > 0 && inputs.every((i) => {
      const now = fileStamp(i.path);
      return now.size === i.size && now.mtimeMs === i.mtimeMs;
    });
    return unchanged && statSync(outfile, { throwIfNoEntry: false }) ? outfile : undefined;
  } catch {
    return undefined;
  }
}

function firstLine(err: unknown): string {
  return ((err as Error).message ?? String(err)).split('\n')[0] ?? '';
}

/** Package imports stay imports, of the absolute file Node would load from the importing file's folder. */
function packagesAsAbsoluteImports(): Esbuild.Plugin {
  return {
    name: 'packages-as-absolute-imports',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'resolving') return undefined;
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        const found = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'resolving' });
        if (found.errors.length > 0 || !found.path) return undefined;
        return { path: pathToFileURL(found.path).href, external: true };
      });
    },
  };
}

/** import.meta.* of each bundled file as its source file's own. */
function keepImportMeta(): Esbuild.Plugin {
  return {
    name: 'keep-import-meta',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
        if (args.path.includes(`${'/'}node_modules${'/'}`)) return undefined;
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta')) return undefined;
        const replaced = text
          .replace(/import\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href))
          .replace(/import\.meta\.dirname\b/g, JSON.stringify(dirname(args.path)))
          .replace(/import\.meta\.filename\b/g, JSON.stringify(args.path));
        const ext = extname(args.path).slice(1);
        return { contents: replaced, loader: ext.endsWith('ts') ? 'ts' : 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}
