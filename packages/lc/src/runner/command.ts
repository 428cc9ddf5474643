import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Container } from '@sedna/api';
import { ContainerConfigError } from './container-env.js';

/** Starting the container failed this time (missing program or directory); a later attempt may succeed. */
export class ContainerStartError extends Error {
  override readonly name = 'ContainerStartError';
}

/**
 * The program and arguments of a container: `command` then `args`. Embedded mode pulls no image, so there is no
 * image entrypoint to fall back on: a container without `command` cannot run.
 */
export function commandLine(container: Container): string[] {
  const command = container.command ?? [];
  if (command.length === 0 || command[0] === '') {
    throw new ContainerConfigError(
      `container "${container.name}": command is required in embedded mode (images are not pulled, so there is no ` +
        `entrypoint${container.image ? ` from image "${container.image}"` : ''}); set command (and args)`,
    );
  }
  return [...command, ...(container.args ?? [])];
}

/** Checks the working directory exists; kubelet would create it inside an image, but here it is a host folder. */
export async function checkWorkingDir(dir: string): Promise<void> {
  if (!path.isAbsolute(dir)) throw new ContainerConfigError(`workingDir "${dir}" must be an absolute path`);
  let stat;
  try {
    stat = await fs.stat(dir);
  } catch {
    throw new ContainerStartError(`workingDir "${dir}" does not exist on this node`);
  }
  if (!stat.isDirectory()) throw new ContainerStartError(`workingDir "${dir}" is not a directory`);
}

/**
 * Finds the program to run the way a shell would: a name with a slash is taken relative to the working dir,
 * a bare name is searched in the container's PATH. Failing here gives a clear reason instead of the wrapper
 * shell's "not found" in the log.
 */
export async function resolveExecutable(program: string, searchPath: string | undefined, cwd: string): Promise<string> {
  if (program.includes('/')) {
    const candidate = path.resolve(cwd, program);
    if (await isExecutableFile(candidate)) return candidate;
    throw new ContainerStartError(`exec: "${program}": no such executable file`);
  }
  for (const dir of (searchPath ?? '').split(':')) {
    if (dir === '') continue;
    const candidate = path.resolve(cwd, dir, program);
    if (await isExecutableFile(candidate)) return candidate;
  }
  throw new ContainerStartError(`exec: "${program}": executable file not found in $PATH (${searchPath ?? 'unset'})`);
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return false;
    await fs.access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
