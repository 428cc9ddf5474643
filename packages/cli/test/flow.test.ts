/**
 * `sedna flow check|run|units` as a user runs them: a bad graph gets every problem named and exit 1; a graph runs
 * to the end of its stream with `--set` over its options, serving its metrics while it runs, and stops on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliMain, ensureBuilt, sedna, tempDir, waitFor } from './harness.js';

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = tempDir('sedna-flow-cli-');
  mkdirSync(join(dir, 'camera'));
  const lines: string[] = [];
  for (let k = 0; k < 40; k++) {
    writeFileSync(join(dir, 'camera', `f${k}.pgm`), Buffer.concat([Buffer.from('P5\n4 4\n255\n'), Buffer.alloc(16, k)]));
    lines.push(`f${k}.pgm ${k % 3}`);
  }
  writeFileSync(join(dir, 'camera', 'index.txt'), lines.join('\n') + '\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const graph = (extra = ''): string => `[flow]\nname = "cli"\n[graph]\ngraphconf = """digraph cli {
  camera[type=flowunit, flowunit=index_input, index_url="camera/index.txt"${extra}]
  decode[type=flowunit, flowunit=image_decode]
  results[type=flowunit, flowunit=file_output, path="out/results.txt", template="{sample_id} {label}"]
  camera:out_data -> decode:in_data
  decode:out_image -> results:in_data
}"""\n`;

describe('sedna flow', () => {
  it('check names every problem of a bad graph and exits 1; a good one is ok', async () => {
    writeFileSync(join(dir, 'bad.toml'), graph(', colour=red').replace('decode:out_image -> results:in_data', 'decode:out_image -> results:in_dta\n  results:in_data -> camera:out_data'));
    const bad = await sedna(['flow', 'check', join(dir, 'bad.toml')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/unknown option "colour" for unit index_input/);
    expect(bad.stderr).toMatch(/results has no input port "in_dta"/);
    writeFileSync(join(dir, 'good.toml'), graph());
    const good = await sedna(['flow', 'check', join(dir, 'good.toml')]);
    expect(good.stdout).toMatch(/good.toml: ok \(3 nodes, 2 edges\)/);
    const units = JSON.parse((await sedna(['flow', 'units'])).stdout) as { flowunits: { name: string }[] };
    expect(units.flowunits.map((u) => u.name)).toEqual(expect.arrayContaining(['camera_input', 'onnx_inference', 'hem_ibt', 'httpserver_sync_receive']));
  });

  it('run streams to the end, with --set over the graph; a looping graph serves metrics and stops on SIGTERM', async () => {
    writeFileSync(join(dir, 'good.toml'), graph());
    const once = await sedna(['flow', 'run', join(dir, 'good.toml'), '--set', 'camera.count=25']);
    expect(once.status, once.stderr).toBe(0);
    expect(once.stdout).toMatch(/the stream ended: camera 0 in, 25 out; decode 25 in, 25 out; results 25 in, 25 out/);
    expect(readFileSync(join(dir, 'out', 'results.txt'), 'utf8').trim().split('\n').slice(0, 2)).toEqual(['f0 0', 'f1 1']);

    const child = spawn(process.execPath, [cliMain, 'flow', 'run', join(dir, 'good.toml'), '--set', 'camera.loop=true', '--set', 'camera.interval_ms=5', '--metrics-port', '0']);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const url = await waitFor('the metrics server', () => /metrics on (http:\/\/\S+)/.exec(out)?.[1]);
    const metrics = await waitFor('items through decode', async () => {
      const text = await (await fetch(url)).text();
      return /sedna_flow_unit_items_out_total\{flow="cli",node="decode",unit="image_decode"\} [1-9]/.test(text) ? text : undefined;
    });
    expect(metrics).toMatch(/sedna_flow_queue_capacity\{flow="cli",from="camera:out_data",to="decode:in_data"\} 32/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/stopping: ending the stream at its sources/);
  });
});
