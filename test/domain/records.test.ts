/** The reference decoders: accepted shapes, and each rejection with its reason. */
import { describe, expect, it } from 'vitest';
import { adRateKey, decodeAdRate, decodePayout, decodeSubscription } from '../../src/domain/records/dimension-records.ts';
import { decodeEvent } from '../../src/domain/records/event-record.ts';
import { Rejection } from '../../src/domain/records/rejection.ts';
import { RejectReason } from '../../src/errors.ts';

const EVENT = {
  event_id: 'EVT-0000001',
  user_id: 'USR-000001',
  artist_id: 'ART-00001',
  genre: 'Pop',
  region: 'Europe',
  duration_sec: 215,
  completed: false,
  device: 'tv',
  event_date: '2024-02-29',
};

function reasonOf(value: unknown): string {
  return value instanceof Rejection ? value.reason : 'accepted';
}

const event = (patch: Record<string, unknown>, drop: string[] = []): string => {
  const fields: Record<string, unknown> = { ...EVENT, ...patch };
  for (const key of drop) delete fields[key];
  return JSON.stringify(fields);
};

describe('decodeEvent', () => {
  it('accepts a valid event, ignoring extra fields of any type', () => {
    expect(decodeEvent(JSON.stringify(EVENT))).toEqual(EVENT);
    const extra = event({ month: 2, extra: { nested: [1, { a: null }] }, tags: ['x'], note: 'hi', flag: null });
    expect(decodeEvent(extra)).toEqual(EVENT);
    expect(decodeEvent(event({ genre: 'Polka', device: 'hologram' }))).toEqual({ ...EVENT, genre: 'Polka', device: 'hologram' });
    expect(decodeEvent(event({ duration_sec: 120.0 }))).toMatchObject({ duration_sec: 120 });
    expect(decodeEvent(event({ duration_sec: 0 }))).toMatchObject({ duration_sec: 0 });
    expect(decodeEvent(event({ duration_sec: 2147483647 }))).toMatchObject({ duration_sec: 2147483647 });
    expect(decodeEvent(event({}).replace('215', '1e2'))).toMatchObject({ duration_sec: 100 });
  });

  it.each([
    ['not json', 'not_json', '{"event_id":'],
    ['empty text', 'not_json', ''],
    ['an array', 'not_object', JSON.stringify([EVENT])],
    ['null', 'not_object', 'null'],
    ['a string', 'not_object', '"event"'],
    ['a number', 'not_object', '42'],
    ['missing user_id', 'missing_field', event({}, ['user_id'])],
    ['missing completed', 'missing_field', event({}, ['completed'])],
    ['null genre', 'missing_field', event({ genre: null })],
    ['numeric user_id', 'wrong_type', event({ user_id: 17 })],
    ['string duration', 'wrong_type', event({ duration_sec: '120' })],
    ['completed as "true"', 'wrong_type', event({ completed: 'true' })],
    ['completed as 1', 'wrong_type', event({ completed: 1 })],
    ['completed null', 'missing_field', event({ completed: null })],
    ['array device', 'wrong_type', event({ device: ['tv'] })],
    ['empty event_id', 'bad_value', event({ event_id: '' })],
    ['empty region', 'bad_value', event({ region: '' })],
    ['fractional duration', 'bad_value', event({ duration_sec: 1.5 })],
    ['negative duration', 'bad_value', event({ duration_sec: -1 })],
    ['duration past int32', 'bad_value', event({ duration_sec: 2147483648 })],
    ['2023-02-29', 'bad_date', event({ event_date: '2023-02-29' })],
    ['2024-02-30', 'bad_date', event({ event_date: '2024-02-30' })],
    ['2024-13-01', 'bad_date', event({ event_date: '2024-13-01' })],
    ['2024-1-01', 'bad_date', event({ event_date: '2024-1-01' })],
    ['a timestamp', 'bad_date', event({ event_date: '2024-02-29T10:00:00Z' })],
    ['numeric date', 'wrong_type', event({ event_date: 20240229 })],
  ])('rejects %s as %s', (_name, reason, text) => {
    expect(reasonOf(decodeEvent(text))).toBe(reason);
  });

  it('reports the first failing field in column order', () => {
    const both = decodeEvent(event({ event_date: 'nope', user_id: 5 }));
    expect(both).toBeInstanceOf(Rejection);
    expect((both as Rejection).reason).toBe(RejectReason.WrongType);
    expect((both as Rejection).detail).toContain('user_id');
  });

  it('a duplicate key: the last one wins, as in JSON.parse', () => {
    const text = JSON.stringify(EVENT).replace('{', '{"genre":"Rock",');
    expect(decodeEvent(text)).toMatchObject({ genre: 'Pop' });
    expect(decodeEvent(JSON.stringify(EVENT).replace('}', ',"genre":"Rock"}'))).toMatchObject({ genre: 'Rock' });
  });
});

describe('dimension records', () => {
  it('decode money into exact units at their scales', () => {
    expect(decodeSubscription('{"user_id":"U1","plan":"free","monthly_price":9.99,"country":"US"}')).toEqual({
      user_id: 'U1',
      plan: 'free',
      monthlyPriceUnits: 99900,
      country: 'US',
    });
    expect(decodeSubscription('{"user_id":"U1","plan":"free","monthly_price":0.0,"country":"US","x":[1]}')).toMatchObject({ monthlyPriceUnits: 0 });
    expect(decodeSubscription('{"user_id":"U1","plan":"free","monthly_price":14.9999,"country":"US"}')).toMatchObject({ monthlyPriceUnits: 149999 });
    expect(decodeAdRate('{"ad_genre":"Pop","ad_device":"car","cpm":1.15}')).toEqual({ ad_genre: 'Pop', ad_device: 'car', cpmUnits: 11500 });
    expect(decodePayout('{"artist_id":"A","per_stream_rate":0.0035,"label_type":"indie"}')).toEqual({ artist_id: 'A', rateUnits: 3500, label_type: 'indie' });
    expect(decodePayout('{"artist_id":"A","per_stream_rate":1e-6,"label_type":"indie"}')).toMatchObject({ rateUnits: 1 });
  });

  it.each([
    ['monthly_price with 5 decimals', 'bad_value', () => decodeSubscription('{"user_id":"U","plan":"p","monthly_price":9.99999,"country":"US"}')],
    ['negative price', 'bad_value', () => decodeSubscription('{"user_id":"U","plan":"p","monthly_price":-9.99,"country":"US"}')],
    ['price as text', 'wrong_type', () => decodeSubscription('{"user_id":"U","plan":"p","monthly_price":"9.99","country":"US"}')],
    ['missing country', 'missing_field', () => decodeSubscription('{"user_id":"U","plan":"p","monthly_price":9.99}')],
    ['empty plan', 'bad_value', () => decodeSubscription('{"user_id":"U","plan":"","monthly_price":9.99,"country":"US"}')],
    ['numeric user_id', 'wrong_type', () => decodeSubscription('{"user_id":1,"plan":"p","monthly_price":9.99,"country":"US"}')],
    ['an array', 'not_object', () => decodeSubscription('[]')],
    ['cpm with 5 decimals', 'bad_value', () => decodeAdRate('{"ad_genre":"Pop","ad_device":"car","cpm":1.12345}')],
    ['cpm null', 'missing_field', () => decodeAdRate('{"ad_genre":"Pop","ad_device":"car","cpm":null}')],
    ['empty ad_device', 'bad_value', () => decodeAdRate('{"ad_genre":"Pop","ad_device":"","cpm":2}')],
    ['rate with 7 decimals', 'bad_value', () => decodePayout('{"artist_id":"A","per_stream_rate":0.0000001,"label_type":"indie"}')],
    ['rate as bool', 'wrong_type', () => decodePayout('{"artist_id":"A","per_stream_rate":true,"label_type":"indie"}')],
    ['truncated payout', 'not_json', () => decodePayout('{"artist_id":"A"')],
  ])('reject %s as %s', (_name, reason, decode) => {
    expect(reasonOf(decode())).toBe(reason);
  });

  it('adRateKey keeps genre and device apart', () => {
    expect(adRateKey('Pop', 'tv')).not.toBe(adRateKey('Po', 'ptv'));
    expect(adRateKey('Pop', 'tv')).toBe(adRateKey('Pop', 'tv'));
  });
});
