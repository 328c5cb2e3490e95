import { describe, expect, it } from 'vitest';
import { KafkaAuthError } from '../../../../src/errors.ts';
import { plainClient } from '../../../../src/kafka/wire/sasl/plain.ts';
import { ScramClient } from '../../../../src/kafka/wire/sasl/scram.ts';

// RFC 7677 section 3: SCRAM-SHA-256, user "user", password "pencil"
const RFC7677 = {
  nonce: 'rOprNGfwEbeRWgbNEkqO',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

// RFC 5802 section 5: SCRAM-SHA-1, the same user and password
const RFC5802 = {
  nonce: 'fyko+d2lbbFgONRv9qkxdawL',
  clientFirst: 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL',
  serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
  clientFinal: 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
  serverFinal: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=',
};

describe('SCRAM client', () => {
  it("sends RFC 7677's SCRAM-SHA-256 messages exactly and accepts its server signature", () => {
    const client = new ScramClient('sha256', 'user', 'pencil', RFC7677.nonce);
    expect(client.name).toBe('SCRAM-SHA-256');
    expect(client.first().toString()).toBe(RFC7677.clientFirst);
    expect(client.next(Buffer.from(RFC7677.serverFirst))?.toString()).toBe(RFC7677.clientFinal);
    expect(client.next(Buffer.from(RFC7677.serverFinal))).toBeNull();
  });

  it("sends RFC 5802's SCRAM-SHA-1 messages exactly and accepts its server signature", () => {
    const client = new ScramClient('sha1', 'user', 'pencil', RFC5802.nonce);
    expect(client.first().toString()).toBe(RFC5802.clientFirst);
    expect(client.clientFinal(RFC5802.serverFirst)).toBe(RFC5802.clientFinal);
    expect(() => client.verifyServerFinal(RFC5802.serverFinal)).not.toThrow();
  });

  it('refuses a server signature made without the password', () => {
    const client = new ScramClient('sha256', 'user', 'not-pencil', RFC7677.nonce);
    const final = client.clientFinal(RFC7677.serverFirst);
    expect(final).not.toBe(RFC7677.clientFinal);
    expect(() => client.verifyServerFinal(RFC7677.serverFinal)).toThrow(KafkaAuthError);
  });

  it('refuses a server nonce that does not extend its own, too few iterations, and a server error', () => {
    const fresh = (): ScramClient => new ScramClient('sha512', 'user', 'pencil', RFC7677.nonce);
    expect(() => fresh().clientFinal('r=someoneElse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')).toThrow(/nonce/);
    expect(() => fresh().clientFinal(`r=${RFC7677.nonce}abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1`)).toThrow(/iterations/);
    const client = fresh();
    client.clientFinal(`r=${RFC7677.nonce}abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`);
    expect(() => client.verifyServerFinal('e=invalid-proof')).toThrow(/invalid-proof/);
  });

  it('escapes "=" and "," in the user name and draws a fresh nonce per client', () => {
    const a = new ScramClient('sha256', 'a=b,c', 'pw').first().toString();
    const b = new ScramClient('sha256', 'a=b,c', 'pw').first().toString();
    expect(a).toMatch(/^n,,n=a=3Db=2Cc,r=[A-Za-z0-9+/=]{32}$/);
    expect(a).not.toBe(b);
  });
});

describe('PLAIN client', () => {
  it('sends RFC 4616\'s one message: empty authzid, user, password, NUL-separated', () => {
    const client = plainClient('alice', 'alice-secret');
    expect(client.name).toBe('PLAIN');
    expect(client.first()).toEqual(Buffer.from('\0alice\0alice-secret'));
    expect(client.next(Buffer.alloc(0))).toBeNull();
  });
});
