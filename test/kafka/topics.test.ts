import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.ts';
import { defaultTopics, stateTopic } from '../../src/kafka/topics.ts';

describe('state topic name', () => {
  it('follows the events topic (and so --topic-prefix) and the group', () => {
    expect(stateTopic(defaultTopics(), 'streampulse')).toBe('listening-events.streampulse.state');
    expect(stateTopic(defaultTopics({}, 'team-a.'), 'g_1')).toBe('team-a.listening-events.g_1.state');
  });

  it('refuses a group id Kafka cannot put in a topic name, rather than rewriting it', () => {
    expect(() => stateTopic(defaultTopics(), 'my group')).toThrow(UsageError);
    expect(() => stateTopic(defaultTopics(), 'g'.repeat(240))).toThrow(/not a valid Kafka topic name/);
  });
});
