import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engineEnv, measure, parseStat } from '../../bench/compare/process-tree.ts';

describe('parseStat', () => {
  it('reads parent and CPU ticks after the last parenthesis, whatever the command name holds', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
    const line = '4242 (a) (b c) S 17 4242 4242 0 -1 4194304 900 10 0 0 250 40 7 3 20 0 5 0 123 456 789';
    expect(parseStat(line)).toEqual({ parent: 17, ownTicks: 290, childTicks: 10 });
  });

  it('reads this very process, whose parent is the one that started it', () => {
    expect(parseStat(readFileSync('/proc/self/stat', 'utf8')).parent).toBe(process.ppid);
  });
});

describe('engineEnv', () => {
  it('drops what costs Node its start-up and keeps everything else', () => {
    const env = engineEnv({ NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt', PATH: '/usr/bin', KEEP: 'x' });
    expect(env).toEqual({ PATH: '/usr/bin', KEEP: 'x' });
  });

  it('is what a measured engine sees, even when it is given its own environment', async () => {
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt', MARK: 'seen' };
    const run = await measure(process.execPath, ['-e', 'process.stdout.write(JSON.stringify([process.env.NODE_EXTRA_CA_CERTS ?? null, process.env.MARK]))'], { env });
    expect(JSON.parse(run.stdout)).toEqual([null, 'seen']);
  });
});
