import { InternalError, RejectReason } from '../../errors.ts';
import { numberToUnits } from './fixed-point.ts';
import { booleanField, numberField, parseJsonObject, Rejection, stringField } from './rejection.ts';
import type { FieldSpec, IntegerField, RecordOf } from './schema.ts';

type Fields = Record<string, unknown>;
type Value = string | number | boolean;

/** Whether a string is a calendar date: the rule of 'date' fields, the caller's to give. */
export type DateRule = (text: string) => boolean;

/**
 * The reference decoding of one JSON record by its declared fields: JSON.parse, then each field
 * in declaration order checked for its type and rules; the first failure is the record's
 * Rejection. Extra fields in the source are ignored. Dates are checked by `isDate` (js-joda's
 * calendar, for events); a table that declares no date passes null, so decoding a dimension row
 * never loads js-joda.
 */
export function decodeFields<const Specs extends readonly FieldSpec[]>(specs: Specs, text: string, isDate: DateRule | null): RecordOf<Specs> | Rejection {
  const fields = parseJsonObject(text);
  if (fields instanceof Rejection) return fields;
  const record: Record<string, Value> = {};
  for (let i = 0; i < specs.length; i++) {
    const value = fieldValue(specs[i], fields, isDate);
    if (value instanceof Rejection) return value;
    record[specs[i].name] = value;
  }
  return record as RecordOf<Specs>;
}

function fieldValue(spec: FieldSpec, fields: Fields, isDate: DateRule | null): Value | Rejection {
  switch (spec.type) {
    case 'string':
      return stringField(fields, spec.name);
    case 'boolean':
      return booleanField(fields, spec.name);
    case 'integer': {
      const value = numberField(fields, spec.name);
      if (value instanceof Rejection) return value;
      if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
        return new Rejection(RejectReason.BadValue, `${spec.name}: expected ${integerRange(spec)}, got ${value}`);
      }
      return value;
    }
    case 'date': {
      const value = stringField(fields, spec.name);
      if (value instanceof Rejection) return value;
      if (isDate === null) throw new InternalError(`${spec.name} is a date, and its table's decoder was given no date rule`);
      if (!isDate(value)) {
        return new Rejection(RejectReason.BadDate, `${spec.name}: ${JSON.stringify(value)} is not a calendar date (yyyy-MM-dd)`);
      }
      return value;
    }
    case 'decimal': {
      const value = numberField(fields, spec.name);
      if (value instanceof Rejection) return value;
      const units = numberToUnits(value, spec.scale);
      if (units === null) {
        return new Rejection(RejectReason.BadValue, `${spec.name}: expected a non-negative decimal with at most ${spec.scale} decimals, got ${value}`);
      }
      return units;
    }
  }
}

/** How a range reads in a detail; the usual [0, int32] range keeps its short, familiar wording. */
function integerRange(spec: IntegerField): string {
  return spec.min === 0 && spec.max === 0x7fffffff ? 'a non-negative integer' : `an integer from ${spec.min} to ${spec.max}`;
}
