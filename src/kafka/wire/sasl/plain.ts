import type { SaslClient } from './mechanism.ts';

/** PLAIN (RFC 4616): one message, authzid empty, NUL, user, NUL, password; the server answers nothing. */
export function plainClient(username: string, password: string): SaslClient {
  return {
    name: 'PLAIN',
    first: () => Buffer.from(`\0${username}\0${password}`, 'utf8'),
    next: () => null,
  };
}
