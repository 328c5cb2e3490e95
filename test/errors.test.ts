import { describe, expect, it } from 'vitest';
import { describeFailure } from '../src/cli/main.ts';
import { canRetry, CheckpointError, exitCodeFor, InputError, InternalError, KafkaUnavailableError, StreamPulseError, UsageError } from '../src/errors.ts';
import { KafkaConnectionError, KafkaProtocolError } from '../src/kafka/wire/protocol-error.ts';

describe('errors as data', () => {
  it('carries its class code, exit status and retry verdict on every instance', () => {
    const usage = new UsageError('--port must be a number');
    expect(usage).toBeInstanceOf(StreamPulseError);
    expect(usage).toMatchObject({ name: 'UsageError', code: 'SP_USAGE', exitCode: 2, canRetry: false });
    expect(new InputError('x')).toMatchObject({ code: InputError.code, exitCode: 1 });
    expect(new CheckpointError('x').code).toBe('SP_CHECKPOINT');
    expect(exitCodeFor(usage)).toBe(2);
    expect(exitCodeFor(new InputError('x'))).toBe(1);
    expect(exitCodeFor(new TypeError('boom'))).toBe(1);
  });

  it('reads retry decisions from the class, or from Kafka’s table for a protocol error', () => {
    expect(canRetry(new KafkaUnavailableError('down'))).toBe(true);
    expect(canRetry(new KafkaConnectionError('closed'))).toBe(true);
    expect(canRetry(new KafkaProtocolError(6, 'produce'))).toBe(true); // NOT_LEADER_OR_FOLLOWER
    expect(canRetry(new KafkaProtocolError(10, 'produce'))).toBe(false); // MESSAGE_TOO_LARGE
    expect(canRetry(new InputError('bad'))).toBe(false);
    expect(canRetry(new Error('plain'))).toBe(false);
  });

  it('prints a user error as one line with its code, and a bug with its stack', () => {
    const line = describeFailure(new InputError('input ./x is not a folder'));
    expect(line).toBe('streampulse: input ./x is not a folder [SP_INPUT]');
    expect(describeFailure(new TypeError('undefined is not a function'))).toMatch(/internal error.*\n\s+at /s);
    expect(describeFailure(new InternalError('invariant'))).toMatch(/internal error.*invariant/);
  });
});
