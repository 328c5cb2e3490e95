import { KafkaAuthError } from '../errors.ts';
import type { KafkaSecurity } from './security.ts';
import { apiVersions } from './wire/apis/api-versions.ts';
import { Cluster } from './wire/cluster.ts';

/**
 * Authenticates once to a bootstrap broker before a run starts, so refused credentials end the
 * command at once with SP_KAFKA_AUTH instead of surfacing later inside the source. A broker that
 * does not answer yet is not an error here: the source waits for it with its own backoff.
 */
export async function checkCredentials(brokers: readonly string[], security: KafkaSecurity): Promise<void> {
  if (security.sasl === null) return;
  const cluster = new Cluster({ brokers, clientId: 'streampulse-auth-check', security });
  try {
    await cluster.sendToAny(apiVersions());
  } catch (error) {
    if (error instanceof KafkaAuthError) throw error;
  } finally {
    cluster.close();
  }
}
