/**
 * Loads the modules and metrics of a case. A `url` is a TypeScript or JavaScript file that registers its class or
 * function with the lib's ClassFactory (as Ianvs's Python files do with Sedna's); Ianvs's module types map to the
 * same ClassTypes. Python files are refused with a message saying what works instead.
 */
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ClassFactory, ClassType, type Registrable } from '@sedna/lib/common';
import { registerHardExampleMining, registerLifelongAlgorithms } from '@sedna/lib/algorithms';
import type { ModuleType } from '../config/algorithm.js';
import type { ModuleInstance } from './grid.js';

const CLASS_TYPE: Partial<Record<ModuleType, string>> = {
  hard_example_mining: ClassType.HEM,
  task_definition: ClassType.STP,
  task_relationship_discovery: ClassType.STP,
  task_remodeling: ClassType.STP,
  task_allocation: ClassType.STP,
  inference_integrate: ClassType.STP,
  task_update_decision: ClassType.KM,
  unseen_task_allocation: ClassType.UTP,
  unseen_sample_recognition: ClassType.UTD,
  unseen_sample_re_recognition: ClassType.UTD,
  aggregation: ClassType.FL_AGG,
};

export function classTypeOf(type: ModuleType): string {
  return CLASS_TYPE[type] ?? ClassType.GENERAL;
}

let tsxRegistered: Promise<void> | undefined;

async function ensureTypeScript(): Promise<void> {
  tsxRegistered ??= (async () => {
    try {
      const api = (await import('tsx/esm/api')) as { register: () => unknown };
      api.register();
    } catch (err) {
      throw new Error(`TypeScript modules need tsx (npm install tsx): ${(err as Error).message}`, { cause: err });
    }
  })();
  return tsxRegistered;
}

const loaded = new Map<string, Promise<void>>();
let compiled: Record<string, string> = {};

/** The JavaScript the runner compiled for TypeScript module files (compile-modules.ts): imported instead of tsx. */
export function useCompiledModules(files: Record<string, string> | undefined): void {
  compiled = files ?? {};
}

/** Imports a module file once; its registrations land in the lib's ClassFactory. */
export function importModuleFile(url: string, what: string): Promise<void> {
  let p = loaded.get(url);
  if (!p) {
    p = (async () => {
      const ext = extname(url).toLowerCase();
      if (ext === '.py') throw new Error(`${what}: ${url} is a Python file; this runner loads TypeScript (.ts, .mts) or JavaScript (.js, .mjs) files that register with ClassFactory from @sedna/lib`);
      if (!['.ts', '.mts', '.js', '.mjs', '.cjs'].includes(ext)) throw new Error(`${what}: ${url} is not a TypeScript or JavaScript file (.ts, .mts, .js, .mjs)`);
      const ahead = compiled[url];
      if ((ext === '.ts' || ext === '.mts') && !ahead) await ensureTypeScript();
      try {
        await import(pathToFileURL(ahead ?? url).href);
      } catch (err) {
        throw new Error(`${what}: ${url} does not load: ${(err as Error).message}`, { cause: err });
      }
    })();
    loaded.set(url, p);
  }
  return p;
}

let builtinsRegistered = false;
function registerBuiltins(): void {
  if (builtinsRegistered) return;
  registerHardExampleMining();
  registerLifelongAlgorithms();
  builtinsRegistered = true;
}

/** The registered class or function a module names (its url imported first). */
export async function moduleClass(module: ModuleInstance): Promise<Registrable> {
  registerBuiltins();
  const what = `module ${module.type} "${module.name}"`;
  if (module.url) await importModuleFile(module.url, what);
  try {
    return ClassFactory.getCls(classTypeOf(module.type), module.name);
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}${module.url ? ` (after loading ${module.url})` : ' (it has no url, so it must be one the lib registers)'}`, { cause: err });
  }
}

/** An instance built with the case's hyperparameters, `new Cls(hyperparameters)` as Ianvs does. */
export async function moduleInstance<T>(module: ModuleInstance): Promise<T> {
  const Cls = (await moduleClass(module)) as new (param: Record<string, unknown>) => T;
  try {
    return new Cls({ ...module.hyperparameters });
  } catch (err) {
    throw new Error(`module ${module.type} "${module.name}": constructing it with ${JSON.stringify(module.hyperparameters)} failed: ${(err as Error).message}`, { cause: err });
  }
}

export function findModule(modules: readonly ModuleInstance[], type: ModuleType): ModuleInstance | undefined {
  return modules.find((m) => m.type === type);
}

export function requireModule(modules: readonly ModuleInstance[], type: ModuleType, paradigm: string): ModuleInstance {
  const m = findModule(modules, type);
  if (!m) throw new Error(`paradigm ${paradigm} needs a module of type "${type}" (found: ${modules.map((x) => x.type).join(', ')})`);
  return m;
}
