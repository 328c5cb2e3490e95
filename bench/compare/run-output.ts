/** What the bench reads from a `streampulse run` child's output. */

const LISTENING = /serving live reports on (https?:\/\/\S+?\/reports)\b/;

/**
 * The /reports URL from one stderr line of `run`, or null: pino writes JSON lines off a terminal
 * (the message under "msg"), readable text on one; both are understood.
 */
export function reportsUrlOf(line: string): string | null {
  let message = line;
  if (line.trimStart().startsWith('{')) {
    try {
      const parsed = JSON.parse(line) as { msg?: unknown };
      if (typeof parsed.msg === 'string') message = parsed.msg;
    } catch {
      // a partial or non-JSON line is matched as text
    }
  }
  return LISTENING.exec(message)?.[1] ?? null;
}

/** Splits a stream's chunks into whole lines, calling `onLine` for each. */
export function lineSplitter(onLine: (line: string) => void): (chunk: string) => void {
  let pending = '';
  return (chunk) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };
}

const number = (text: string): number => Number(text.replace(/,/g, ''));

/**
 * The replay's own rate from run's summary ("replayed N events in S s: R events/s …"), without
 * start-up and dimension loading; R is taken as printed (S is rounded to 10 ms). Null when absent.
 */
export function replayRateOf(stdout: string): { events: number; seconds: number; eventsPerSecond: number } | null {
  const match = /replayed ([\d,]+) events in ([\d.]+) s: ([\d,]+) events\/s/.exec(stdout);
  if (match === null) return null;
  return { events: number(match[1]), seconds: Number(match[2]), eventsPerSecond: number(match[3]) };
}
