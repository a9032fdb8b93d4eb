/**
 * What the page does with a code, as a state machine: ready → deciding → showing the answer → (a new code) deciding.
 * Pure, so its rules are tested on their own (test/scanner-page/flow.test.ts):
 * - while a code is being decided, camera reads are dropped (a slow answer never gets a second request);
 *   a typed code is not (the person asked; it is answered after or alongside);
 * - a ticket held in front of the camera is answered once, not again for SAME_CODE_PAUSE_MS;
 * - a typed code or a name picked from the list is always answered (the person asked).
 */

export const SAME_CODE_PAUSE_MS = 2_000;

export type FlowState = { kind: 'ready' } | { kind: 'deciding'; code: string; since: number } | { kind: 'showing'; code: string; at: number };

export type FlowEvent =
  | { type: 'read'; code: string; manual: boolean; now: number }
  | { type: 'answered'; now: number }
  /** The decision failed (a bug, shown as an error): the next read is answered again. */
  | { type: 'failed' };

export function next(state: FlowState, event: FlowEvent): FlowState {
  switch (event.type) {
    case 'read':
      if (state.kind === 'deciding' && !event.manual) return state;
      if (!event.manual && state.kind === 'showing' && state.code === event.code && event.now - state.at < SAME_CODE_PAUSE_MS) return state;
      return { kind: 'deciding', code: event.code, since: event.now };
    case 'answered':
      return state.kind === 'deciding' ? { kind: 'showing', code: state.code, at: event.now } : state;
    case 'failed':
      return { kind: 'ready' };
  }
}

/** Whether a read moved the machine to deciding (so it is this read's to decide). */
export function accepted(before: FlowState, after: FlowState): boolean {
  return after.kind === 'deciding' && after !== before;
}
