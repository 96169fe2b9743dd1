// Structured JSON logs: one line per event, level-filtered, secrets redacted.
import type { Logger } from './contract';
import { redactFields, redactText } from './redact';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function parseLogLevel(value: string | undefined, fallback: LogLevel = 'info'): LogLevel {
  if (value === undefined || value === '') return fallback;
  const v = value.toLowerCase();
  if (v in ORDER) return v as LogLevel;
  throw new Error(`log level "${value}" is not one of debug, info, warn, error, silent`);
}

export interface JsonLoggerOptions {
  level?: LogLevel;
  /** Where lines go (default: stdout). */
  write?: (line: string) => void;
  now?: () => Date;
}

export class JsonLogger implements Logger {
  private readonly min: number;
  private readonly write: (line: string) => void;
  private readonly now: () => Date;

  constructor(
    opts: JsonLoggerOptions = {},
    private readonly fields: Record<string, unknown> = {},
  ) {
    this.min = ORDER[opts.level ?? 'info'];
    this.write = opts.write ?? (line => process.stdout.write(line + '\n'));
    this.now = opts.now ?? (() => new Date());
    this.opts = opts;
  }

  private readonly opts: JsonLoggerOptions;

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.log('error', msg, fields);
  }

  child(fields: Record<string, unknown>): Logger {
    return new JsonLogger(this.opts, { ...this.fields, ...fields });
  }

  enabled(level: LogLevel): boolean {
    return ORDER[level] >= this.min;
  }

  private log(level: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>): void {
    if (ORDER[level] < this.min) return;
    const record = {
      ts: this.now().toISOString(),
      level,
      msg: redactText(msg),
      ...(redactFields({ ...this.fields, ...fields }) as Record<string, unknown>),
    };
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ ts: record.ts, level, msg: record.msg, note: 'fields not serialisable' });
    }
    this.write(line);
  }
}

/** A logger that drops everything (library default when the caller passes none). */
export const silentLogger: Logger = new JsonLogger({ level: 'silent' });
