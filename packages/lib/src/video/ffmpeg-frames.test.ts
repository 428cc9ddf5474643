/** The lib's one ffmpeg frame reader, on a small video ffmpeg makes from its test source. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegError, probeVideoSize, probeVideoSizeSync, readFfmpegFrames, type RawFrame } from './ffmpeg-frames.js';

let dir: string;
let video: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sedna-ffmpeg-frames-'));
  video = path.join(dir, 'test.mkv');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=1', '-c:v', 'ffv1', video]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function all(frames: AsyncIterable<RawFrame>): Promise<RawFrame[]> {
  const out: RawFrame[] = [];
  for await (const f of frames) out.push(f);
  return out;
}

describe('readFfmpegFrames', () => {
  it('reads every frame in order at the source size (ffprobe), rgb by default', async () => {
    expect(await probeVideoSize(video)).toEqual({ width: 64, height: 48 });
    expect(probeVideoSizeSync(video)).toEqual({ width: 64, height: 48 });
    const frames = await all(readFfmpegFrames({ source: video }));
    expect(frames.map((f) => f.index)).toEqual(Array.from({ length: 10 }, (_, k) => k));
    expect(frames[0]).toMatchObject({ width: 64, height: 48, channels: 3, pixelFormat: 'rgb' });
    expect(frames[0]!.data.length).toBe(64 * 48 * 3);
  });

  it('scales, crops, thins to an fps, converts to gray and stops after max frames', async () => {
    const scaled = await all(readFfmpegFrames({ source: video, width: 32, height: 24, pixelFormat: 'gray', maxFrames: 3 }));
    expect(scaled).toHaveLength(3);
    expect(scaled[0]).toMatchObject({ width: 32, height: 24, channels: 1 });
    expect(scaled[0]!.data.length).toBe(32 * 24);
    const cropped = await all(readFfmpegFrames({ source: video, crop: '16:8:0:0', fps: 5 }));
    expect(cropped).toHaveLength(5);
    expect(cropped[0]).toMatchObject({ width: 16, height: 8 });
  });

  it('stops ffmpeg when the signal aborts, without an error', async () => {
    const abort = new AbortController();
    const got: number[] = [];
    for await (const f of readFfmpegFrames({ source: video, signal: abort.signal })) {
      got.push(f.index);
      if (got.length === 2) abort.abort();
    }
    expect(got).toEqual([0, 1]);
  });

  it('fails with ffmpeg\'s reason on a source it cannot read, and refuses to probe a live stream', async () => {
    await expect(all(readFfmpegFrames({ source: path.join(dir, 'missing.mkv') }))).rejects.toThrow(FfmpegError);
    await expect(all(readFfmpegFrames({ source: path.join(dir, 'missing.mkv'), width: 4, height: 4 }))).rejects.toThrow(/ffmpeg failed on .*missing\.mkv/);
    expect(() => probeVideoSizeSync('tcp://127.0.0.1:1')).toThrow(/give width and height/);
  });
});
