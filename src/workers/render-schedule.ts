/** A render scheduled: when it is due (performance.now()), and whether it answers the end of a run. */
export interface ScheduledRender {
  readonly due: number;
  readonly final: boolean;
}

export interface RenderState {
  readonly now: number;
  readonly lastRender: number;
  /** Until when queries keep the merger rendering at the query pace. */
  readonly wantedUntil: number;
  /** Publishes came since the last render. */
  readonly news: boolean;
  /** The end of the run asked for a render, and every publish it named is in. */
  readonly finalReady: boolean;
  readonly scheduled: ScheduledRender | null;
}

/**
 * The merger's next render: at once for the end of a run; with news, `renderMs` after the last
 * while queries come, else `idleMs` after it. 'keep' when the render already scheduled comes as
 * soon (a final one is never replaced: it takes in everything there is); null when nothing is due.
 */
export function nextRender(state: RenderState, renderMs: number, idleMs: number): ScheduledRender | 'keep' | null {
  let next: ScheduledRender;
  if (state.finalReady) next = { due: state.now, final: true };
  else if (!state.news) return state.scheduled === null ? null : 'keep';
  else next = { due: state.lastRender + (state.now > state.wantedUntil ? idleMs : renderMs), final: false };
  const scheduled = state.scheduled;
  if (scheduled !== null && (scheduled.final || (!next.final && next.due >= scheduled.due))) return 'keep';
  return next;
}
