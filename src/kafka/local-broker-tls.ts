import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IoError } from '../errors.ts';

export interface BrokerTlsFiles {
  /** The self-signed CA that signed the broker's certificate: what clients trust (PEM). */
  readonly caPath: string;
  /** The broker's key and certificate for 127.0.0.1 and localhost, as a PKCS#12 keystore. */
  readonly keystorePath: string;
  readonly keystorePassword: string;
}

function openssl(args: readonly string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error !== undefined) throw new IoError(`cannot run openssl: ${r.error.message}; it is needed for the local broker's TLS listener`);
  if (r.status !== 0) throw new IoError(`openssl ${args[0]} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
}

/**
 * A throwaway CA and a broker certificate signed by it, made with openssl in `dir` once and kept
 * for restarts. Test-only material: the keystore password is random and sits beside the keystore.
 */
export function createBrokerTls(dir: string): BrokerTlsFiles {
  const caPath = join(dir, 'ca.pem');
  const keystorePath = join(dir, 'broker.p12');
  const passwordPath = join(dir, 'broker.p12.password');
  if (!existsSync(keystorePath)) {
    const password = randomBytes(12).toString('hex');
    const days = ['-days', '30'];
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', ...days, '-subj', '/CN=StreamPulse local broker CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=localhost'], dir);
    writeFileSync(join(dir, 'broker.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    openssl(['x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'broker.pem', ...days, '-extfile', 'broker.ext'], dir);
    openssl(['pkcs12', '-export', '-in', 'broker.pem', '-inkey', 'broker.key', '-out', 'broker.p12', '-name', 'broker', '-passout', `pass:${password}`], dir);
    writeFileSync(passwordPath, password, { mode: 0o600 });
  }
  return { caPath, keystorePath, keystorePassword: readFileSync(passwordPath, 'utf8') };
}
