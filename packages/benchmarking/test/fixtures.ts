/**
 * Test fixtures for the benchmarking examples: a slice of Debian's Fashion-MNIST as IDX files in a tar.gz (what a
 * dataset server would offer), and a loopback HTTP server that serves it with Range support and counts requests.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { crc32, deflateRawSync, gunzipSync, gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';

const DIR = '/usr/share/datasets/fashion-mnist';

function sliceIdx(file: string, count: number): Buffer {
  const raw = gunzipSync(readFileSync(file));
  const rank = raw[3] as number;
  const dims = Array.from({ length: rank }, (_, i) => raw.readUInt32BE(4 + 4 * i));
  const item = dims.slice(1).reduce((a, b) => a * b, 1);
  const header = Buffer.from(raw.subarray(0, 4 + 4 * rank));
  header.writeUInt32BE(count, 4);
  return gzipSync(Buffer.concat([header, raw.subarray(4 + 4 * rank, 4 + 4 * rank + count * item)]));
}

function tarEntry(name: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  const sum = header.reduce((s, b) => s + b, 0);
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

/** A tar.gz of the first `train` training and `test` test images and labels, as Fashion-MNIST names them. */
export function fashionSliceTarGz(train: number, test: number): Buffer {
  const files: [string, Buffer][] = [
    ['fashion-mnist/train-images-idx3-ubyte.gz', sliceIdx(`${DIR}/train-images-idx3-ubyte.gz`, train)],
    ['fashion-mnist/train-labels-idx1-ubyte.gz', sliceIdx(`${DIR}/train-labels-idx1-ubyte.gz`, train)],
    ['fashion-mnist/t10k-images-idx3-ubyte.gz', sliceIdx(`${DIR}/t10k-images-idx3-ubyte.gz`, test)],
    ['fashion-mnist/t10k-labels-idx1-ubyte.gz', sliceIdx(`${DIR}/t10k-labels-idx1-ubyte.gz`, test)],
  ];
  return gzipSync(Buffer.concat([...files.map(([n, d]) => tarEntry(n, d)), Buffer.alloc(1024)]));
}

export interface DatasetServer {
  url: string;
  requests: { path: string; range: string | undefined }[];
  close(): Promise<void>;
}

/** Serves `files` (path -> bytes) on 127.0.0.1 at a free port; honours `Range: bytes=N-`. */
export async function serveFiles(files: Record<string, Buffer>): Promise<DatasetServer> {
  const requests: DatasetServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    const range = req.headers.range;
    requests.push({ path, range });
    const body = files[path];
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
    if (m) {
      const start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416).end();
        return;
      }
      res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` }).end(body.subarray(start));
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

/** A zip of `files` (name -> bytes), deflated, with CRCs: what the extractor must read. */
export function zipOf(files: Record<string, Buffer>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const packed = deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const crc = crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

export function tarGzOf(files: Record<string, Buffer>): Buffer {
  return gzipSync(Buffer.concat([...Object.entries(files).map(([n, d]) => tarEntry(n, d)), Buffer.alloc(1024)]));
}
