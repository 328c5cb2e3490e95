#!/usr/bin/env node
// The npm registry this project is developed against serves DuckDB's prebuilt bindings for
// linux-x64 only, so `npm install` leaves the other platforms out of package-lock.json and
// `npm ci` then refuses the lock. This adds their entries back (platform-gated optional
// packages: npm skips them on other machines and fetches them by version where they match).
// Run after any `npm install` that rewrites the lock.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;
const version = packages['node_modules/@duckdb/node-bindings'].version;
const platforms = {
  'darwin-arm64': ['darwin', 'arm64'],
  'darwin-x64': ['darwin', 'x64'],
  'linux-arm64': ['linux', 'arm64', 'glibc'],
  'linux-arm64-musl': ['linux', 'arm64', 'musl'],
  'win32-arm64': ['win32', 'arm64'],
  'win32-x64': ['win32', 'x64'],
};
let added = 0;
for (const [name, [os, cpu, libc]] of Object.entries(platforms)) {
  const key = `node_modules/@duckdb/node-bindings-${name}`;
  if (packages[key] !== undefined) continue;
  packages[key] = { version, cpu: [cpu], dev: true, ...(libc ? { libc: [libc] } : {}), license: 'MIT', optional: true, os: [os] };
  added++;
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n');
console.log(`package-lock.json: ${added} DuckDB platform entries added`);
