/**
 * OpenCV's sample video vtest.avi (768x576, 795 frames, MS-MPEG4 v3), taken from Debian's opencv-doc package: the
 * package is fetched with `apt-get download` and only that one file is extracted, into
 * node_modules/.cache/sedna-flow/ (nothing large goes into git). Later runs use the cached file.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CACHE = path.join(REPO, 'node_modules', '.cache', 'sedna-flow');
const MEMBER = './usr/share/doc/opencv-doc/examples/data/vtest.avi';

export function ensureVtest(log: (line: string) => void = () => undefined): string {
  const target = path.join(CACHE, 'vtest.avi');
  if (existsSync(target)) return target;
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(path.join(tmpdir(), 'sedna-vtest-'));
  try {
    log('fetching vtest.avi from Debian\'s opencv-doc package (apt-get download, about 96 MB, once)');
    execFileSync('apt-get', ['download', 'opencv-doc'], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    const deb = readdirSync(work).find((f) => f.startsWith('opencv-doc') && f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download opencv-doc left no .deb');
    execFileSync('sh', ['-c', `dpkg-deb --fsys-tarfile "${deb}" | tar -x "${MEMBER}"`], { cwd: work });
    copyFileSync(path.join(work, MEMBER), `${target}.part`);
    renameSync(`${target}.part`, target);
    return target;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
