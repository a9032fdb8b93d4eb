import { describe, expect, it } from 'vitest';
import { accepted, type FlowState, next, SAME_CODE_PAUSE_MS } from '../../scanner/flow.ts';

/** The door page's rules for which codes it answers (scanner/flow.ts), without a browser. */

const read = (state: FlowState, code: string, now: number, manual = false) => {
  const after = next(state, { type: 'read', code, manual, now });
  return { after, answered: accepted(state, after) };
};

describe('which reads the door page answers', () => {
  it('answers a code once while it stays in front of the camera, and again after the pause', () => {
    let state: FlowState = { kind: 'ready' };
    let r = read(state, 'A', 0);
    expect(r.answered).toBe(true);
    state = next(r.after, { type: 'answered', now: 100 });
    expect(state).toEqual({ kind: 'showing', code: 'A', at: 100 });
    expect(read(state, 'A', 100 + SAME_CODE_PAUSE_MS - 1).answered).toBe(false);
    r = read(state, 'A', 100 + SAME_CODE_PAUSE_MS);
    expect(r.answered).toBe(true);
  });

  it('answers another code at once, and a typed code always', () => {
    const showing: FlowState = { kind: 'showing', code: 'A', at: 0 };
    expect(read(showing, 'B', 1).answered).toBe(true);
    expect(read(showing, 'A', 1, true).answered).toBe(true);
  });

  it('drops camera reads while a code is being decided (no second request for a slow answer), not typed ones', () => {
    const deciding = read({ kind: 'ready' }, 'A', 0).after;
    expect(read(deciding, 'A', 5_000).answered).toBe(false);
    expect(read(deciding, 'B', 5_000).answered).toBe(false);
    expect(read(deciding, 'B', 5_000, true).answered).toBe(true);
  });

  it('after a failed decision the same code is answered again at once', () => {
    const deciding = read({ kind: 'ready' }, 'A', 0).after;
    const failed = next(deciding, { type: 'failed' });
    expect(read(failed, 'A', 1).answered).toBe(true);
  });
});
