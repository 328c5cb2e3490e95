import { describe, expect, it } from 'vitest';
import { buildRunConfig } from '../src/config.ts';
import { UsageError } from '../src/errors.ts';

describe('--advertise in the run config', () => {
  it('takes an http(s) URL, else STREAMPULSE_ADVERTISE, else null (the address the server binds)', () => {
    expect(buildRunConfig({ advertise: 'http://10.0.0.7:8081' }).advertise).toBe('http://10.0.0.7:8081');
    expect(buildRunConfig({ advertise: 'https://sp-2.internal/streampulse/' }).advertise).toBe('https://sp-2.internal/streampulse');
    expect(buildRunConfig({ advertise: 'http://[::1]:9000' }).advertise).toBe('http://[::1]:9000');
    expect(buildRunConfig({}, { STREAMPULSE_ADVERTISE: 'http://b:1' }).advertise).toBe('http://b:1');
    expect(buildRunConfig({ advertise: 'http://a:1' }, { STREAMPULSE_ADVERTISE: 'http://b:1' }).advertise).toBe('http://a:1');
    expect(buildRunConfig({}).advertise).toBeNull();
  });

  it('refuses anything peers could not ask, or that would carry a secret, as a usage error', () => {
    for (const bad of ['10.0.0.7:8081', 'ftp://a:1', 'http://', 'http://user:pw@a:1', 'http://a:1/?x=1', 'http://a:1/#top', 'not a url']) {
      expect(() => buildRunConfig({ advertise: bad }), bad).toThrow(UsageError);
      expect(() => buildRunConfig({ advertise: bad }), bad).toThrow(/--advertise takes the http\(s\) URL/);
    }
  });

  it('answers the advertised name: peers call this instance by it, so the Host check lets it in', () => {
    expect(buildRunConfig({ advertise: 'http://sp-2.internal:8081' }).allowHosts).toEqual(['sp-2.internal']);
    expect(buildRunConfig({ advertise: 'http://sp-2.internal:8081', allowHost: ['grafana.local'] }).allowHosts).toEqual(['grafana.local', 'sp-2.internal']);
    expect(buildRunConfig({}).allowHosts).toEqual([]);
  });
});
