/**
 * Debian's firefox-esr driven over WebDriver BiDi, the W3C protocol Firefox serves itself (`--remote-debugging-port`):
 * no geckodriver (Debian has none) and no Playwright (its BiDi client sends commands firefox-esr 153 does not know,
 * `emulation.setMediaFeaturesOverride` first, in every new browser context). A small client over one websocket:
 * session.new (accepting the control plane's self-made CA), browsingContext.navigate, script.evaluate, input actions
 * (real pointer and key events, as a user's), screenshots; every console error and uncaught exception of the page
 * is collected (log.entryAdded), for the tests to assert none.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { SCREENSHOTS } from './browser.js';

export const FIREFOX = process.env['SEDNA_FIREFOX'] ?? '/usr/bin/firefox-esr';
export const firefoxMissing = !existsSync(FIREFOX);

/** A fresh profile without first-run pages, update checks or telemetry. */
const PREFS = {
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.aboutwelcome.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.reportingpolicy.firstRun': false,
  'app.update.disabledForTesting': true,
};

interface BidiMessage {
  id?: number;
  type?: 'success' | 'error' | 'event';
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: string;
  message?: string;
}

export interface FirefoxPage {
  /** Console errors and uncaught exceptions of the page. */
  readonly errors: string[];
  readonly version: string;
  navigate(url: string): Promise<void>;
  /** The value of a page expression (awaited when it is a promise), passed through JSON. */
  evaluate<T>(expression: string): Promise<T>;
  /** Polls a page expression until it is truthy; its value. */
  waitFor<T>(what: string, expression: string, timeoutMs?: number): Promise<T>;
  /** A pointer click in the middle of the element `[data-testid=<testId>]`, scrolled into view first. */
  click(testId: string): Promise<void>;
  /** Clicks the element, then types `text` key by key. */
  type(testId: string, text: string): Promise<void>;
  /** A PNG of the viewport under packages/console/test-output/screenshots. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

const byTestId = (testId: string) => `document.querySelector(${JSON.stringify(`[data-testid="${testId}"]`)})`;

export async function openFirefox(viewport = { width: 1280, height: 800 }): Promise<FirefoxPage> {
  const profile = mkdtempSync(join(tmpdir(), 'sedna-firefox-'));
  writeFileSync(join(profile, 'user.js'), Object.entries(PREFS).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n'));
  const child: ChildProcess = spawn(FIREFOX, ['--headless', '--no-remote', '--profile', profile, '--remote-debugging-port=0', 'about:blank'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const cleanup = () => {
    child.kill('SIGKILL');
    rmSync(profile, { recursive: true, force: true });
  };
  // A test that gives up while Firefox starts (a hook's timeout) never gets the page to close: end it with the test process.
  process.once('exit', cleanup);
  let ws: WebSocket | undefined;
  try {
    // Firefox picks a free port and says where it listens.
    const url = await new Promise<string>((resolve, reject) => {
      let said = '';
      const timer = setTimeout(() => reject(new Error(`firefox did not start WebDriver BiDi within 60 s: ${said.slice(-500)}`)), 60_000);
      const read = (chunk: Buffer) => {
        said += chunk.toString();
        const m = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(said);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      child.stdout!.on('data', read);
      child.stderr!.on('data', read);
      child.once('exit', (code) => reject(new Error(`firefox exited (${code}) before serving WebDriver BiDi: ${said.slice(-500)}`)));
    });
    child.stdout!.resume();
    child.stderr!.resume();
    const socket = new WebSocket(`${url}/session`);
    ws = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const errors: string[] = [];
    let nextId = 0;
    const pending = new Map<number, (m: BidiMessage) => void>();
    socket.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as BidiMessage;
      if (m.id !== undefined) {
        pending.get(m.id)?.(m);
        pending.delete(m.id);
      } else if (m.method === 'log.entryAdded' && m.params?.['level'] === 'error') {
        errors.push(`${String(m.params['type'])}: ${String(m.params['text'])}`);
      }
    });
    const send = (method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> =>
      new Promise((resolve, reject) => {
        const id = ++nextId;
        pending.set(id, (m) => (m.type === 'error' ? reject(new Error(`${method}: ${m.error}: ${m.message}`)) : resolve(m.result ?? {})));
        socket.send(JSON.stringify({ id, method, params }));
      });

    const session = await send('session.new', { capabilities: { alwaysMatch: { acceptInsecureCerts: true } } });
    const version = String((session['capabilities'] as Record<string, unknown>)['browserVersion']);
    await send('session.subscribe', { events: ['log.entryAdded'] });
    const tree = await send('browsingContext.getTree', {});
    const context = (tree['contexts'] as { context: string }[])[0]!.context;
    await send('browsingContext.setViewport', { context, viewport });

    const evaluate = async <T>(expression: string): Promise<T> => {
      const r = await send('script.evaluate', { expression: `(async () => JSON.stringify(await (${expression})))()`, target: { context }, awaitPromise: true });
      if (r['type'] === 'exception') throw new Error(`${expression}: ${JSON.stringify((r['exceptionDetails'] as Record<string, unknown>)['text'])}`);
      const value = (r['result'] as { type: string; value?: string }).value;
      return (value === undefined ? undefined : JSON.parse(value)) as T;
    };
    const waitFor = async <T>(what: string, expression: string, timeoutMs = 30_000): Promise<T> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await evaluate<T>(expression).catch(() => undefined);
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`firefox: timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const click = async (testId: string): Promise<void> => {
      const at = await waitFor<{ x: number; y: number }>(`${testId} on the page`, `(() => {
        const el = ${byTestId(testId)};
        if (!el) return null;
        el.scrollIntoView({ block: 'center' });
        const r = el.getBoundingClientRect();
        return r.width > 0 ? { x: Math.round(r.x + r.width / 2), y: Math.round(r.y + r.height / 2) } : null;
      })()`);
      await send('input.performActions', {
        context,
        actions: [{ type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' }, actions: [{ type: 'pointerMove', x: at.x, y: at.y }, { type: 'pointerDown', button: 0 }, { type: 'pointerUp', button: 0 }] }],
      });
    };
    return {
      errors,
      version,
      navigate: async (url) => void (await send('browsingContext.navigate', { context, url, wait: 'complete' })),
      evaluate,
      waitFor,
      click,
      type: async (testId, text) => {
        await click(testId);
        await send('input.performActions', { context, actions: [{ type: 'key', id: 'keyboard', actions: [...text].flatMap((value) => [{ type: 'keyDown', value }, { type: 'keyUp', value }]) }] });
      },
      screenshot: async (name) => {
        const shot = await send('browsingContext.captureScreenshot', { context });
        mkdirSync(SCREENSHOTS, { recursive: true });
        const path = join(SCREENSHOTS, `${name}.png`);
        writeFileSync(path, Buffer.from(String(shot['data']), 'base64'));
        return path;
      },
      close: async () => {
        await send('browser.close', {}).catch(() => undefined);
        socket.close();
        cleanup();
      },
    };
  } catch (err) {
    ws?.close();
    cleanup();
    throw err;
  }
}
