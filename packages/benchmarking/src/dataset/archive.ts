/**
 * Unpacks a downloaded dataset: zip (stored and deflated entries), tar.gz (ustar and GNU long names) and a single
 * gzipped file (kept gzipped: the IDX readers take .gz). Entries are confined to the target folder; a corrupt
 * archive throws, and the caller removes the half-written folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { crc32, gunzipSync, inflateRawSync } from 'node:zlib';

export type DetectedFormat = 'zip' | 'tar.gz' | 'gz';

export function detectFormat(bytes: Uint8Array, name: string): DetectedFormat {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return 'zip';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return /\.(tar\.gz|tgz)$/i.test(name) ? 'tar.gz' : looksLikeTar(bytes) ? 'tar.gz' : 'gz';
  throw new Error(`${name} is neither a zip nor a gzip file (first bytes ${Buffer.from(bytes.subarray(0, 4)).toString('hex')})`);
}

function looksLikeTar(gz: Uint8Array): boolean {
  try {
    const head = gunzipSync(gz, { finishFlush: 2 /* Z_SYNC_FLUSH */ }).subarray(0, 512);
    return Buffer.from(head.subarray(257, 262)).toString('latin1') === 'ustar';
  } catch {
    return false;
  }
}

function safeJoin(root: string, entry: string): string {
  const target = normalize(join(root, entry));
  if (target !== root && !target.startsWith(root + sep)) throw new Error(`archive entry "${entry}" points outside the dataset folder`);
  return target;
}

function put(root: string, name: string, data: Uint8Array): void {
  const file = safeJoin(root, name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, data);
}

export function extractZip(bytes: Uint8Array, root: string, name = 'zip'): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end of central directory record: the last 0x06054b50 within the final 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${name}: corrupt zip (no end of central directory)`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  let files = 0;
  for (let k = 0; k < count; k++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${name}: corrupt zip (bad central directory entry ${k})`);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const compressed = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const entry = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + extraLen + commentLen;
    if (entry.endsWith('/')) continue;
    if (buf.readUInt32LE(local) !== 0x04034b50) throw new Error(`${name}: corrupt zip (bad local header of ${entry})`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + compressed);
    let data: Buffer;
    if (method === 0) data = raw;
    else if (method === 8) {
      try {
        data = inflateRawSync(raw);
      } catch (err) {
        throw new Error(`${name}: corrupt zip entry ${entry}: ${(err as Error).message}`, { cause: err });
      }
    } else throw new Error(`${name}: entry ${entry} uses compression method ${method}; only stored and deflated entries are supported`);
    if (crc32(data) >>> 0 !== crc) throw new Error(`${name}: corrupt zip entry ${entry} (CRC mismatch)`);
    put(root, entry, data);
    files++;
  }
  return files;
}

export function extractTarGz(bytes: Uint8Array, root: string, name = 'tar.gz'): number {
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes);
  } catch (err) {
    throw new Error(`${name}: corrupt gzip data: ${(err as Error).message}`, { cause: err });
  }
  let p = 0;
  let files = 0;
  let longName: string | undefined;
  while (p + 512 <= tar.length) {
    const header = tar.subarray(p, p + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from: number, len: number): string => header.subarray(from, from + len).toString('utf8').replace(/\0.*$/s, '');
    const sum = header.reduce((s, b, i) => s + (i >= 148 && i < 156 ? 32 : b), 0);
    if (parseInt(field(148, 8).trim(), 8) !== sum) throw new Error(`${name}: corrupt tar (bad header checksum at byte ${p})`);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    let entry = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    const data = tar.subarray(p + 512, p + 512 + size);
    if (data.length < size) throw new Error(`${name}: corrupt tar (entry ${entry} is truncated)`);
    if (type === 'L') longName = data.toString('utf8').replace(/\0.*$/s, '');
    else if (type === '0' || type === '7') {
      entry = entry.replace(/^\.\//, '');
      put(root, entry, data);
      files++;
    }
    p += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
