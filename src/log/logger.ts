import type { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { prettyStream } from './pretty-stream.ts';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * How the core logs: one line of text with optional context fields. Sources, the wire client and
 * the checkpointer take this rather than a logger, so they run (and test) without pino.
 */
export type LogFn = (line: string, context?: Readonly<Record<string, unknown>>) => void;

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

/** The logger as the core's LogFn, at info level. */
export function logFn(logger: Logger): LogFn {
  return (line, context) => (context === undefined ? logger.info(line) : logger.info(context, line));
}
