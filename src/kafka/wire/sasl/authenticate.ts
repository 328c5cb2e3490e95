import { KafkaAuthError } from '../../../errors.ts';
import { describeSasl, type SaslSettings } from '../../security.ts';
import { saslAuthenticate } from '../apis/sasl-authenticate.ts';
import { saslHandshake } from '../apis/sasl-handshake.ts';
import type { Connection } from '../connection.ts';
import { kafkaErrorName } from '../protocol-error.ts';
import type { SaslClient } from './mechanism.ts';
import { plainClient } from './plain.ts';
import { ScramClient } from './scram.ts';

function clientFor(sasl: SaslSettings): SaslClient {
  const password = sasl.password.reveal();
  if (sasl.mechanism === 'plain') return plainClient(sasl.username, password);
  return new ScramClient(sasl.mechanism === 'scram-sha-256' ? 'sha256' : 'sha512', sasl.username, password);
}

/**
 * Authenticates a fresh connection: SaslHandshake names the mechanism, then SaslAuthenticate
 * carries its tokens until the mechanism is satisfied. A refusal is a KafkaAuthError (the same
 * credentials will be refused again); its message names the mechanism and user, never the password.
 */
export async function authenticate(connection: Connection, sasl: SaslSettings): Promise<void> {
  const who = describeSasl(sasl);
  const client = clientFor(sasl);
  const handshake = await connection.send(saslHandshake(client.name));
  if (handshake.error !== 0) {
    const enabled = handshake.mechanisms.length > 0 ? handshake.mechanisms.join(', ') : 'none';
    throw new KafkaAuthError(`${connection.address} refused ${who}: ${kafkaErrorName(handshake.error)} (mechanisms enabled there: ${enabled})`);
  }
  let token: Buffer | null = client.first();
  while (token !== null) {
    const result = await connection.send(saslAuthenticate(token));
    if (result.error !== 0) throw new KafkaAuthError(`${connection.address} refused ${who}: ${result.message ?? kafkaErrorName(result.error)}`);
    try {
      token = client.next(result.authBytes);
    } catch (error) {
      if (error instanceof KafkaAuthError) throw new KafkaAuthError(`${connection.address}, ${who}: ${error.message}`);
      throw error;
    }
  }
}
