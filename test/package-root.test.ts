import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/package-root.ts';

describe('PACKAGE_ROOT', () => {
  it('is the folder with StreamPulse package.json and the Kafka poms, found from src/', () => {
    expect(PACKAGE_ROOT).toBe(resolve(import.meta.dirname, '..'));
    expect((JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string }).name).toBe('streampulse');
    expect(existsSync(join(PACKAGE_ROOT, 'kafka/pom.xml'))).toBe(true);
  });
});
