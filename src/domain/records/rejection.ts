import { RejectReason } from '../../errors.ts';

/** Why one record could not be decoded. A class so the hot path can test it with instanceof. */
export class Rejection {
  constructor(
    readonly reason: RejectReason,
    readonly detail: string,
  ) {}
}

/** A rejected record as kept: its raw text, where it came from, and why. */
export interface DeadLetter {
  readonly table: string;
  readonly origin: string;
  readonly seq: number;
  readonly raw: string;
  readonly reason: RejectReason;
  readonly detail: string;
  /** The record's original bytes, for sinks that keep bytes (the Kafka dead-letter topic). */
  readonly bytes?: Uint8Array;
}

/** `letter` with its own copy of its bytes: a reader's letter views the whole chunk it came in, which it would keep alive, and clone whole when posted. */
export function ownedLetter(letter: DeadLetter): DeadLetter {
  return letter.bytes === undefined ? letter : { ...letter, bytes: letter.bytes.slice() };
}

type Fields = Record<string, unknown>;

/** JSON text to an object, or the Rejection saying why not. */
export function parseJsonObject(text: string): Fields | Rejection {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return new Rejection(RejectReason.NotJson, (error as Error).message);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return new Rejection(RejectReason.NotObject, `expected a JSON object, got ${describe(value)}`);
  }
  return value as Fields;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A required non-empty string field (identifiers and open categorical values). */
export function stringField(fields: Fields, name: string): string | Rejection {
  const value = fields[name];
  if (value === undefined || value === null) return new Rejection(RejectReason.MissingField, `${name} is missing`);
  if (typeof value !== 'string') return new Rejection(RejectReason.WrongType, `${name}: expected string, got ${describe(value)}`);
  if (value.length === 0) return new Rejection(RejectReason.BadValue, `${name} is empty`);
  return value;
}

export function numberField(fields: Fields, name: string): number | Rejection {
  const value = fields[name];
  if (value === undefined || value === null) return new Rejection(RejectReason.MissingField, `${name} is missing`);
  if (typeof value !== 'number') return new Rejection(RejectReason.WrongType, `${name}: expected number, got ${describe(value)}`);
  return value;
}

export function booleanField(fields: Fields, name: string): boolean | Rejection {
  const value = fields[name];
  if (value === undefined || value === null) return new Rejection(RejectReason.MissingField, `${name} is missing`);
  if (typeof value !== 'boolean') return new Rejection(RejectReason.WrongType, `${name}: expected boolean, got ${describe(value)}`);
  return value;
}
