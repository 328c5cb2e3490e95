import { describe, expect, it } from 'vitest';
import { nextRender, type RenderState } from '../../src/workers/render-schedule.ts';

const RENDER_MS = 250;
const IDLE_MS = 1_000;
const base: RenderState = { now: 10_000, lastRender: 9_900, wantedUntil: 0, news: true, finalReady: false, scheduled: null };
const next = (state: Partial<RenderState>): ReturnType<typeof nextRender> => nextRender({ ...base, ...state }, RENDER_MS, IDLE_MS);

describe('nextRender', () => {
  it('renders news every idle interval without queries, every render interval while they come', () => {
    expect(next({})).toEqual({ due: 10_900, final: false });
    expect(next({ wantedUntil: 10_500 })).toEqual({ due: 10_150, final: false });
    // the first render of a run is due at once
    expect(next({ lastRender: -Infinity, wantedUntil: 10_500 })).toEqual({ due: -Infinity, final: false });
  });

  it('renders nothing without news', () => {
    expect(next({ news: false })).toBeNull();
    expect(next({ news: false, scheduled: { due: 10_500, final: false } })).toBe('keep');
  });

  it('replaces a render due later: a query after an idle spell gets a fresh point at the query pace', () => {
    expect(next({ wantedUntil: 11_000, scheduled: { due: 10_900, final: false } })).toEqual({ due: 10_150, final: false });
    expect(next({ scheduled: { due: 10_150, final: false } })).toBe('keep');
  });

  it('renders the end of a run at once, whatever was scheduled, and never replaces that render', () => {
    expect(next({ finalReady: true, scheduled: { due: 10_900, final: false } })).toEqual({ due: 10_000, final: true });
    expect(next({ finalReady: true, news: false })).toEqual({ due: 10_000, final: true });
    expect(next({ wantedUntil: 11_000, lastRender: 0, scheduled: { due: 10_000, final: true } })).toBe('keep');
  });
});
