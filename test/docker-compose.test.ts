import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

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
  it('has Kafka (KRaft), producer, pipeline, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['grafana', 'install', 'kafka', 'producer', 'prometheus', 'streampulse']);
    expect(compose.services.kafka.image).toMatch(/^apache\/kafka:3\.9/);
    expect(compose.services.streampulse.command).toContain('--source kafka');
    expect(compose.services.producer.command).toContain('produce');
  });

  it('passes the secured-Kafka settings to producer and pipeline from the environment, off by default', () => {
    for (const name of ['producer', 'streampulse']) {
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
    const prometheus = readFileSync(join(ROOT, 'dashboards/prometheus/prometheus.yml'), 'utf8');
    expect(prometheus).toContain("targets: ['streampulse:8080']");
    expect(compose.services.streampulse.command).toContain('--port 8080');
    // the pipeline answers only Host names it allows: the one Prometheus scrapes by must be one
    const [scraped] = /targets: \['([^':]+):8080'\]/.exec(prometheus)?.slice(1) ?? [];
    expect(compose.services.streampulse.command).toContain(`--allow-host ${scraped}`);
  });
});
