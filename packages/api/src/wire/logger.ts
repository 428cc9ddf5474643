/**
 * The small logging interface the channel's hub and client write to. The GM and the LC pass their own
 * logger; these two are the defaults.
 */
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

/** One line per entry on stderr: `<time> <level> <component>: <message> {fields}`; debug is dropped. */
export function consoleLogger(component: string): ChannelLogger {
  const write = (level: string, message: string, fields?: LogFields) => {
    const suffix = fields && Object.keys(fields).length > 0 ? ' ' + JSON.stringify(fields) : '';
    process.stderr.write(`${new Date().toISOString()} ${level} ${component}: ${message}${suffix}\n`);
  };
  return {
    debug: () => {},
    info: (message, fields) => write('INFO', message, fields),
    warn: (message, fields) => write('WARN', message, fields),
    error: (message, fields) => write('ERROR', message, fields),
  };
}
