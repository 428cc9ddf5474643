/**
 * Where the manager may touch files: the job's outputDir, model files it copies on deploy and the hot-update
 * folder. Paths in messages are host paths; the LC reaches them through `hostPrefix` (the original's
 * ROOTFS_MOUNT_DIR, empty when the LC runs on the host) and only inside the configured roots.
 */
import path from 'node:path';

export class PathRefused extends Error {
  override readonly name = 'PathRefused';
  constructor(
    readonly reason: 'NotImplemented' | 'NotAbsolute' | 'OutsideRoots',
    message: string,
  ) {
    super(message);
  }
}

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;

export class PathPolicy {
  private readonly roots: readonly string[];

  constructor(
    roots: readonly string[],
    private readonly hostPrefix = '',
  ) {
    if (roots.length === 0) throw new Error('stage job manager: at least one root folder is required (option roots)');
    this.roots = roots.map((root) => {
      if (!path.isAbsolute(root)) throw new Error(`stage job manager: root "${root}" must be an absolute path`);
      return path.resolve(root);
    });
  }

  /** True when `url` names something remote (s3://, http(s)://...) rather than a host path. */
  static isRemote(url: string): boolean {
    const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
    return scheme !== undefined && scheme !== 'file';
  }

  /** The host path of a path or file:// URL; remote URLs are refused as not implemented. */
  hostPath(url: string, what: string): string {
    const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
    let file = url;
    if (scheme === 'file') file = decodeURIComponent(url.slice('file://'.length));
    else if (scheme !== undefined) {
      throw new PathRefused('NotImplemented', `${what} "${url}": ${scheme}:// is not implemented by the local controller yet; use a path on the node`);
    }
    if (!path.isAbsolute(file)) throw new PathRefused('NotAbsolute', `${what} "${url}" must be an absolute path`);
    return path.resolve(file);
  }

  /** Where this LC reads and writes `url`: the host path under the prefix, checked against the roots. */
  local(url: string, what: string): string {
    const host = this.hostPath(url, what);
    const local = this.hostPrefix === '' ? host : path.join(this.hostPrefix, host);
    if (!this.roots.some((root) => inside(root, local))) {
      throw new PathRefused('OutsideRoots', `${what} "${url}" (${local}) is outside the folders this local controller may write (${this.roots.join(', ')})`);
    }
    return local;
  }
}

function inside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
