/**
 * The small logging interface the channel's hub and client write to: the shared structured logger
 * (`@sedna/api/runtime`'s Logger) implements it. The GM and the LC pass their own logger; these two are the defaults.
 */
import { Logger, stderrSink } from '../runtime/log.js';

export type LogFields = Record<string, unknown>;

export interface ChannelLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export const silentLogger: ChannelLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** One line per entry on stderr: `<time> <LEVEL> [<component>] <message> key=value ...`; debug is dropped. */
export function consoleLogger(component: string): ChannelLogger {
  return new Logger(component, stderrSink);
}
