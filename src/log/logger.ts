import type { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import type { LogLevel } from './log-levels.ts';
import { prettyStream } from './pretty-stream.ts';

export type { Logger } from 'pino';

// the levels are their own module so parsing flags does not load pino
export { LOG_LEVELS, type LogLevel } from './log-levels.ts';

/** Context fields of a line; `level` (info when absent) marks what an operator must see. */
export interface LogContext {
  readonly level?: 'warn' | 'error';
  readonly [field: string]: unknown;
}

/**
 * How the core logs: one line of text with optional context fields. Sources, the wire client and
 * the partition state keeper take this rather than a logger, so they run (and test) without pino.
 */
export type LogFn = (line: string, context?: LogContext) => void;

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where lines go (stderr by default): JSON lines, or readable ones when it is a terminal. */
  readonly stream?: Writable & { isTTY?: boolean };
}

/**
 * The one logger of a command: JSON lines off a terminal (for log collectors), readable lines on
 * one, ISO times, and any field named like a secret redacted wherever it sits in the context.
 */
export function createLogger(options: LoggerOptions): Logger {
  const stream = options.stream ?? process.stderr;
  return pino(
    {
      level: options.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['password', '*.password', '*.*.password', 'secret', '*.secret', 'token', '*.token'], censor: '[redacted]' },
    },
    stream.isTTY === true ? prettyStream(stream) : stream,
  );
}

/** The logger as the core's LogFn: info unless the context says warn or error. */
export function logFn(logger: Logger): LogFn {
  return (line, context) => {
    if (context === undefined) return logger.info(line);
    const { level = 'info', ...fields } = context;
    logger[level](fields, line);
  };
}
