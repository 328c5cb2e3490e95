import { vi } from 'vitest';
import { main } from '../../src/cli/main.ts';

/** The CLI's `main` in this process, with its exit code and every stderr line it wrote. */
export async function runMain(args: readonly string[]): Promise<{ code: number; stderr: string[] }> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter((l) => l !== ''));
    return true;
  });
  try {
    return { code: await main(args), stderr: lines };
  } finally {
    spy.mockRestore();
  }
}
