/**
 * The real-video scenario: vtest.avi (pedestrians on a plaza, 768x576, 10 fps) from Debian's opencv-doc package,
 * fetched once with `apt-get download` and only that file taken out of the .deb (the package is 96 MB; the file
 * 8 MB), kept in a cache outside the repository; then cut by ffmpeg into two overlapping cameras, A = x 0-448 and
 * B = x 320-768 (the 128 px overlap gives cross-camera pseudo ground truth), halved to 224x288.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const VTEST_IN_DEB = './usr/share/doc/opencv-doc/examples/data/vtest.avi';

export function cacheDir(): string {
  return process.env.SEDNA_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sedna');
}

/** The path of vtest.avi, fetched and extracted on first use. */
export function ensureVtest(log: (l: string) => void = () => undefined): string {
  const dir = join(cacheDir(), 'opencv-doc');
  const target = join(dir, 'vtest.avi');
  if (existsSync(target)) return target;
  mkdirSync(dir, { recursive: true });
  const work = join(dir, 'download');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  log('fetching vtest.avi: apt-get download opencv-doc (once; cached in ' + dir + ')');
  const dl = spawnSync('apt-get', ['download', 'opencv-doc'], { cwd: work, encoding: 'utf8' });
  const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
  if (dl.status !== 0 || !deb) throw new Error(`apt-get download opencv-doc failed (is a Debian mirror reachable?): ${dl.stderr.trim()}`);
  const extract = spawnSync('sh', ['-c', `dpkg-deb --fsys-tarfile "${deb}" | tar -x "${VTEST_IN_DEB}"`], { cwd: work, encoding: 'utf8' });
  if (extract.status !== 0) throw new Error(`cannot extract vtest.avi from ${deb}: ${extract.stderr.trim()}`);
  renameSync(join(work, VTEST_IN_DEB), target);
  rmSync(work, { recursive: true, force: true });
  return target;
}

/** The two cameras' videos (lossless, 10 fps), the first `seconds` of the clip. */
export async function realVideoCameras(dir: string, seconds: number, log: (l: string) => void = () => undefined): Promise<Record<string, string>> {
  const source = ensureVtest(log);
  mkdirSync(dir, { recursive: true });
  const out: Record<string, string> = {};
  for (const [name, x] of [
    ['camera-a', 0],
    ['camera-b', 320],
  ] as const) {
    const path = join(dir, `${name}-${seconds}s.mkv`);
    if (!existsSync(path)) {
      const r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', source, '-t', String(seconds), '-vf', `crop=448:576:${x}:0,scale=224:288`, '-c:v', 'ffv1', path], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ffmpeg could not cut ${name} from ${source}: ${r.stderr}`);
    }
    out[name] = path;
  }
  return out;
}
