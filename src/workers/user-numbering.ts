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

/** The users `users` numbers, as it holds them now (see Dictionary.digest). */
export function numberUsers(users: Dictionary): UserNumbering {
  return { count: users.size, digest: users.digest };
}

/** The first shard whose numbering differs from shard 0's, or -1 when all agree. */
export function firstDisagreeing(numberings: readonly (UserNumbering | undefined)[]): number {
  const [first] = numberings;
  return numberings.findIndex((n) => n?.count !== first?.count || n?.digest !== first?.digest);
}
