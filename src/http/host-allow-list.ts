/**
 * Which Host headers the server answers, against DNS rebinding: a page on an attacker's name that
 * re-resolves to 127.0.0.1 reaches the server with the attacker's name in Host, so only names the
 * server is meant to be reached by are answered. By default the loopback names (with any port), and
 * the bind host when it is not a wildcard; `--allow-host` adds names; `*` turns the check off.
 */
export const ANY_HOST = '*';

const LOOPBACK = ['localhost', '127.0.0.1', '::1'];
const WILDCARD_BINDS = new Set(['', '0.0.0.0', '::', '::0', '0:0:0:0:0:0:0:0']);
const DNS_NAME = /^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;
const IPV6 = /^[0-9a-f:.]*:[0-9a-f:.]*$/;

/** A name as `--allow-host` takes it: lower case, an IPv6 address without brackets, `*.suffix` or `*`; null if it is none. */
export function normalizeHostName(text: string): string | null {
  let name = text.trim().toLowerCase();
  if (name === ANY_HOST) return name;
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  else if (name.endsWith('.')) name = name.slice(0, -1);
  return DNS_NAME.test(name) || IPV6.test(name) ? name : null;
}

/** The name in a Host header (`name`, `name:port`, `[v6]`, `[v6]:port`), or null when it is malformed. */
export function hostNameOf(header: string): string | null {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]*]+)(?::\d{1,5})?$/.exec(header.trim());
  return match === null ? null : normalizeHostName(match[1]);
}

export class HostAllowList {
  private readonly names = new Set<string>(LOOPBACK);
  /** `.example.com` for an allowed `*.example.com`; `.localhost` always (RFC 6761 keeps it on loopback). */
  private readonly suffixes: string[] = ['.localhost'];
  readonly any: boolean;

  constructor(bindHost: string, allowed: readonly string[] = []) {
    const bind = normalizeHostName(bindHost);
    if (bind !== null && !WILDCARD_BINDS.has(bind)) this.names.add(bind);
    this.any = allowed.includes(ANY_HOST);
    for (const text of allowed) {
      const name = normalizeHostName(text);
      if (name === null || name === ANY_HOST) continue;
      if (name.startsWith('*.')) this.suffixes.push(name.slice(1));
      else this.names.add(name);
    }
  }

  /** Whether a request with this Host header is answered; none at all (HTTP/1.0) is no browser's doing, so it is. */
  allows(header: string | undefined): boolean {
    if (this.any || header === undefined) return true;
    const name = hostNameOf(header);
    if (name === null) return false;
    return this.names.has(name) || this.suffixes.some((suffix) => name.endsWith(suffix));
  }
}
