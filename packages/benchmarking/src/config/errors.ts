/** Errors in the user's YAML files: every one names the file and the field (and the line and column when known). */

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    message: string,
    readonly position?: { line: number; col: number },
  ) {
    const where = position ? `${file}:${position.line}:${position.col}` : file;
    super(`${where}: ${field ? `${field}: ` : ''}${message}`);
    this.name = 'ConfigError';
  }
}
