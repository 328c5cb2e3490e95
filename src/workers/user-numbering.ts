import type { Dictionary } from '../domain/dictionary.ts';

/**
 * A shard's user ids, summed up. Distinct sets are united word by word across shards, so every
 * shard must number users alike; they do, because users get ids only from dimension rows, which
 * every shard applies in the same order, or from one subscription table every shard adopts. This
 * is how that is checked rather than assumed.
 */
export interface UserNumbering {
  readonly count: number;
  /** FNV-1a over every user id in id order, each followed by a newline. */
  readonly digest: number;
}

export const NO_USERS: UserNumbering = { count: 0, digest: 0x811c9dc5 };

/** `previous` extended over the users `users` numbered since. */
export function numberUsers(users: Dictionary, previous: UserNumbering): UserNumbering {
  return { count: users.size, digest: users.digestFrom(previous.count, previous.digest) };
}

/** The first shard whose numbering differs from shard 0's, or -1 when all agree. */
export function firstDisagreeing(numberings: readonly (UserNumbering | undefined)[]): number {
  const [first] = numberings;
  return numberings.findIndex((n) => n?.count !== first?.count || n?.digest !== first?.digest);
}
