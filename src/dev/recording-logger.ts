/**
 * Development tool, not product code: a Logger for tests that keeps every line (with its child bindings
 * merged into the fields), so a test can assert what was logged and that no secret was.
 */
import type { Logger } from '../core/logger.ts';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

export class RecordingLogger implements Logger {
  constructor(
    /** Shared with every child, in the order written. */
    readonly lines: LogLine[] = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}

  debug(fields: Record<string, unknown>, message: string): void {
    this.write('debug', fields, message);
  }
  info(fields: Record<string, unknown>, message: string): void {
    this.write('info', fields, message);
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.write('warn', fields, message);
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.write('error', fields, message);
  }
  child(bindings: Record<string, unknown>): Logger {
    return new RecordingLogger(this.lines, { ...this.bindings, ...bindings });
  }

  private write(level: LogLine['level'], fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level, fields: { ...this.bindings, ...fields }, message });
  }
}
