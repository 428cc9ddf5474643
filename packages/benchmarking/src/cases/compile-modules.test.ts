import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { compileModuleFiles } from './compile-modules.js';
import type { CaseSpec } from './spec.js';

// Inside the package, so that '@sedna/lib' resolves from the module files as it does from a user's project.
const dir = mkdtempSync(join(fileURLToPath(new URL('../..', import.meta.url)), '.tmp-compile-modules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function specWith(urls: string[]): CaseSpec {
  return {
    modules: urls.map((url) => ({ type: 'basemodel', name: 'M', url, hyperparameters: {} })),
    testenv: { metrics: [], modelEval: { metric: {} } },
  } as unknown as CaseSpec;
}

describe('TypeScript module files compiled ahead of the cases', () => {
  it('bundles relative imports, keeps package imports shared and import.meta as in the source', async () => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'sub', 'helper.ts'), 'export const where: string = import.meta.url;\nexport const twice = (n: number): number => 2 * n;\n');
    writeFileSync(
      join(src, 'model.ts'),
      `import { ClassFactory, ClassType } from '@sedna/lib/common';
import { twice, where } from './sub/helper.js';
class CompiledAhead { static helperUrl = where; static ownUrl = import.meta.url; constructor(readonly hp: { n: number }) {} value(): number { return twice(this.hp.n); } }
ClassFactory.register(ClassType.GENERAL, 'CompiledAhead')(CompiledAhead);
`,
    );
    writeFileSync(join(src, 'broken.ts'), 'export const = ;\n');
    const notes: string[] = [];
    const out = await compileModuleFiles([specWith([join(src, 'model.ts'), join(src, 'broken.ts'), join(src, 'plain.js')])], join(dir, 'out'), (l) => notes.push(l));
    expect(Object.keys(out)).toEqual([join(src, 'model.ts')]);
    expect(notes.join('\n')).toMatch(/broken\.ts does not compile ahead/);
    // A process of its own, as a case is: the compiled file and the case share the built lib's one ClassFactory.
    const check = join(dir, 'check.mjs');
    writeFileSync(
      check,
      `import { ClassFactory, ClassType } from '@sedna/lib/common';
await import(${JSON.stringify(pathToFileURL(out[join(src, 'model.ts')] as string).href)});
const Cls = ClassFactory.getCls(ClassType.GENERAL, 'CompiledAhead');
console.log(JSON.stringify({ value: new Cls({ n: 21 }).value(), ownUrl: Cls.ownUrl, helperUrl: Cls.helperUrl }));
`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, [check]);
    expect(JSON.parse(stdout)).toEqual({ value: 42, ownUrl: pathToFileURL(join(src, 'model.ts')).href, helperUrl: pathToFileURL(join(src, 'sub', 'helper.ts')).href });

    // Unchanged sources: the compiled file is reused as it is; a changed relative import compiles it again.
    const compiled = out[join(src, 'model.ts')] as string;
    const builtAt = statSync(compiled).mtimeMs;
    const again = await compileModuleFiles([specWith([join(src, 'model.ts')])], join(dir, 'out'), (l) => notes.push(l));
    expect(again).toEqual({ [join(src, 'model.ts')]: compiled });
    expect(statSync(compiled).mtimeMs).toBe(builtAt);
    writeFileSync(join(src, 'sub', 'helper.ts'), 'export const where: string = import.meta.url;\nexport const twice = (n: number): number => 3 * n;\n');
    utimesSync(join(src, 'sub', 'helper.ts'), new Date(), new Date(Date.now() + 5000));
    await compileModuleFiles([specWith([join(src, 'model.ts')])], join(dir, 'out'), (l) => notes.push(l));
    expect(readFileSync(compiled, 'utf8')).toContain('3 * n');
  });
});
