import { describe, expect, it } from 'vitest';
import { Dictionary } from '../../src/domain/dictionary.ts';
import { firstDisagreeing, NO_USERS, numberUsers } from '../../src/workers/user-numbering.ts';

const numbered = (users: readonly string[], steps: readonly number[] = [users.length]): ReturnType<typeof numberUsers> => {
  const dict = new Dictionary();
  let n = numberUsers(dict);
  let at = 0;
  for (const step of steps) {
    for (; at < step; at++) dict.intern(users[at]);
    n = numberUsers(dict);
  }
  return n;
};

describe('user numbering: how shards are checked to number users alike', () => {
  const users = Array.from({ length: 500 }, (_, i) => `USR-${String(i).padStart(6, '0')}`);

  it('is the same for the same users in the same order, however the numbering was extended', () => {
    expect(numbered(users, [500])).toEqual(numbered(users, [1, 200, 499, 500]));
    expect(numbered(users).count).toBe(500);
  });

  it('differs when the order differs, a user differs, or ids run together', () => {
    const base = numbered(users);
    expect(numbered([...users].reverse()).digest).not.toBe(base.digest);
    expect(numbered([...users.slice(0, 499), 'USR-999999']).digest).not.toBe(base.digest);
    expect(numbered(['ab', 'c']).digest).not.toBe(numbered(['a', 'bc']).digest);
  });

  it('is the same whether users were interned from bytes (held as bytes) or as strings', () => {
    const bytes = new Dictionary();
    const row = Buffer.from(users.join(''), 'latin1');
    users.forEach((_, i) => bytes.internPlain(row, i * 10, i * 10 + 10));
    expect(numberUsers(bytes)).toEqual(numbered(users));
    expect(numberUsers(new Dictionary())).toEqual(NO_USERS);
    // and by hand: FNV-1a over each id's chars and a newline
    let digest = NO_USERS.digest;
    for (const user of users) for (const c of `${user}\n`) digest = Math.imul(digest ^ c.charCodeAt(0), 0x01000193) >>> 0;
    expect(numbered(users).digest).toBe(digest);
  });

  it('is carried over by a dictionary that adopts another\'s image, and goes on from there', () => {
    const loaded = new Dictionary();
    const row = Buffer.from(users.join(''), 'latin1');
    users.slice(0, 300).forEach((_, i) => loaded.internPlain(row, i * 10, i * 10 + 10));
    const adopted = new Dictionary();
    adopted.adopt(loaded.image());
    expect(numberUsers(adopted)).toEqual(numbered(users.slice(0, 300)));
    for (const user of users.slice(300)) adopted.intern(user);
    expect(numberUsers(adopted)).toEqual(numbered(users));
  });

  it('names the first shard that disagrees with shard 0', () => {
    const a = numbered(users);
    const b = numbered([...users].reverse());
    expect(firstDisagreeing([a, a, a])).toBe(-1);
    expect(firstDisagreeing([a, a, b])).toBe(2);
    expect(firstDisagreeing([a, numbered(users.slice(0, 10))])).toBe(1);
  });
});
