import { describe, expect, it } from 'vitest';
import { buildRunConfig } from '../../src/config.ts';
import { UsageError } from '../../src/errors.ts';
import { HostAllowList, hostNameOf } from '../../src/http/host-allow-list.ts';

describe('HostAllowList', () => {
  it('answers loopback names with any port, and *.localhost', () => {
    const hosts = new HostAllowList('127.0.0.1');
    for (const host of ['localhost', 'localhost:8080', '127.0.0.1:1', '[::1]', '[::1]:8080', 'LocalHost', 'localhost.', 'dev.localhost:3000']) expect(hosts.allows(host), host).toBe(true);
    for (const host of ['evil.example', 'localhost.evil.example', 'localhostx', '127.0.0.2', '[::2]', '::1', '', 'localhost:', 'localhost:99999x', '*']) expect(hosts.allows(host), host).toBe(false);
  });

  it('answers the bind host unless it is a wildcard', () => {
    expect(new HostAllowList('10.1.2.3').allows('10.1.2.3:8080')).toBe(true);
    expect(new HostAllowList('::1').allows('[::1]:8080')).toBe(true);
    expect(new HostAllowList('box.lan').allows('BOX.lan:80')).toBe(true);
    expect(new HostAllowList('0.0.0.0').allows('0.0.0.0:8080')).toBe(false);
    expect(new HostAllowList('::').allows('[::]:8080')).toBe(false);
  });

  it('adds names, *.suffix patterns, and * for any', () => {
    const hosts = new HostAllowList('0.0.0.0', ['streampulse', '*.corp.example', 'fd00::1']);
    for (const host of ['streampulse:8080', 'a.corp.example', 'a.b.corp.example:1', '[fd00::1]:8080']) expect(hosts.allows(host), host).toBe(true);
    for (const host of ['corp.example', 'streampulse.evil', 'xcorp.example']) expect(hosts.allows(host), host).toBe(false);
    expect(new HostAllowList('127.0.0.1', ['*']).allows('anything.at.all:1')).toBe(true);
  });

  it('reads the name out of a Host header', () => {
    expect(hostNameOf('Example.COM:8080')).toBe('example.com');
    expect(hostNameOf('[::1]:80')).toBe('::1');
    expect(hostNameOf('a b')).toBeNull();
    expect(hostNameOf('*.example.com')).toBeNull();
  });
});

describe('--allow-host in the run config', () => {
  it('takes repeated and comma-separated flags, else STREAMPULSE_ALLOW_HOSTS, else none', () => {
    expect(buildRunConfig({ allowHost: ['streampulse, prometheus', 'Grafana.'] }).allowHosts).toEqual(['streampulse', 'prometheus', 'grafana']);
    expect(buildRunConfig({}, { STREAMPULSE_ALLOW_HOSTS: 'a.lan,[::1]' }).allowHosts).toEqual(['a.lan', '::1']);
    expect(buildRunConfig({ allowHost: ['b.lan'] }, { STREAMPULSE_ALLOW_HOSTS: 'a.lan' }).allowHosts).toEqual(['b.lan']);
    expect(buildRunConfig({}).allowHosts).toEqual([]);
    expect(buildRunConfig({ allowHost: ['*'] }).allowHosts).toEqual(['*']);
  });

  it('refuses a name with a port or odd characters as a usage error', () => {
    for (const bad of ['streampulse:8080', 'http://x', 'a/b', 'x*y']) {
      expect(() => buildRunConfig({ allowHost: [bad] }), bad).toThrow(UsageError);
    }
  });
});
