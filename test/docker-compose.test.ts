import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildRunConfig } from '../src/config.ts';

const ROOT = resolve(import.meta.dirname, '..');

interface Service {
  image?: string;
  command?: string;
  volumes?: string[];
  ports?: string[];
  environment?: Record<string, string>;
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };

// No container engine runs here, so this checks what can be checked without one: the file
// parses, the services are wired, and every file it mounts is in the repo.
describe('docker-compose.yml', () => {
const REPLICAS = ['streampulse-1', 'streampulse-2', 'streampulse-3'];

  it('has Kafka (KRaft), producer, three pipeline replicas of one group, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['grafana', 'install', 'kafka', 'producer', 'prometheus', ...REPLICAS]);
    expect(compose.services.kafka.image).toMatch(/^apache\/kafka:3\.9/);
    for (const name of REPLICAS) {
      expect(compose.services[name].command).toContain('--source kafka');
      // same group (the default) for all: only the advertised name and the published port differ
      expect(compose.services[name].command).not.toContain('--group');
      expect(compose.services[name].command).toContain(`--advertise http://${name}:8080`);
    }
    expect(new Set(REPLICAS.map((name) => compose.services[name].ports?.[0])).size).toBe(3);
    expect(compose.services.producer.command).toContain('produce');
  });

  it('passes the secured-Kafka settings to producer and pipeline from the environment, off by default', () => {
    for (const name of ['producer', ...REPLICAS]) {
      const env = compose.services[name].environment ?? {};
      for (const key of ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SSL', 'KAFKA_SSL_CA']) expect(env[key], `${name} ${key}`).toBe(`\${${key}:-}`);
      expect(env.KAFKA_BROKERS).toBe('${KAFKA_BROKERS:-kafka:19092}');
      expect(compose.services[name].command).not.toMatch(/--sasl|password/);
    }
  });

  it('mounts only files and folders that exist', () => {
    const named = new Set(Object.keys(compose.volumes ?? {}));
    const mounts = Object.values(compose.services).flatMap((s) => s.volumes ?? []);
    expect(mounts.length).toBeGreaterThan(3);
    for (const mount of mounts) {
      const source = mount.split(':')[0];
      if (named.has(source)) continue;
      expect(existsSync(resolve(ROOT, source)), `${source} (from ${mount})`).toBe(true);
    }
  });

  it('binds published ports to loopback and scrapes the pipeline where it listens', () => {
    for (const service of Object.values(compose.services)) for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
    const prometheus = parse(readFileSync(join(ROOT, 'dashboards/prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
    const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    expect(targets.sort()).toEqual(REPLICAS.map((name) => `${name}:8080`));
    for (const target of targets) {
      const [host] = target.split(':');
      expect(compose.services[host].command).toContain('--port 8080');
      // a replica answers only Host names it allows, among them the one it advertises, which is
      // the one Prometheus scrapes it by
      expect(buildRunConfig({ advertise: /--advertise (\S+)/.exec(compose.services[host].command ?? '')?.[1] }).allowHosts).toContain(host);
    }
  });
});
