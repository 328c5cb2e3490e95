import { LocalBroker } from './local-broker.ts';

/**
 * `npm run kafka:local`: a real broker for development. Prints `KAFKA_BROKERS=127.0.0.1:PORT`
 * once it answers, and stops it on Ctrl-C or SIGTERM. `--port N` and `--data-dir DIR` (kept
 * between runs) are optional. `--sasl` adds SASL_PLAINTEXT and SASL_SSL listeners (SCRAM-SHA-256,
 * SCRAM-SHA-512, PLAIN) for the development user alice / alice-secret, printed on extra lines.
 */
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const port = flag('--port') === undefined ? 0 : Number(flag('--port'));
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write(`kafka:local: --port must be 0..65535, got ${flag('--port')}\n`);
  process.exit(2);
}
const sasl = args.includes('--sasl') ? { username: 'alice', password: 'alice-secret', tls: true } : undefined;
const broker = await LocalBroker.start({ port, dataDir: flag('--data-dir'), sasl });
process.stdout.write(`KAFKA_BROKERS=${broker.brokers}\n`);
if (broker.saslBrokers !== null) process.stdout.write(`KAFKA_SASL_BROKERS=${broker.saslBrokers} (user alice, password alice-secret)\n`);
if (broker.saslSsl !== null) process.stdout.write(`KAFKA_SASL_SSL_BROKERS=${broker.saslSsl.brokers} (--ssl --ssl-ca ${broker.saslSsl.caPath})\n`);
process.stderr.write(`broker log: ${broker.logPath}; Ctrl-C stops it\n`);
await new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
await broker.stop();
process.stderr.write('broker stopped\n');
