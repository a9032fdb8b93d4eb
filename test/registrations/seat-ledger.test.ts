import { describe, expect, it } from 'vitest';
import type { QuotaRow, ReservationRow } from '../../src/modules/events/seats.sql.ts';
import { SeatLedger, type SeatRequest } from '../../src/modules/events/seats.ts';

/**
 * The seat ledger's arithmetic (the admission engine's tests exercise it on real PostgreSQL; this one walks thousands
 * of random sequences against a plain recomputation): an event with a capacity, three types, two overlapping quotas
 * and codes holding seats for one type, two types, or every type. After every seat handed out, what each request
 * may take must equal the definition: each limit's size, less seats taken, less seats still held for other codes
 * that draw from it.
 */
const E = 'evt_1';
const TYPES = ['tkt_a', 'tkt_b', 'tkt_c'];

function reference(state: {
  capacity: number;
  typeCapacity: Record<string, number | null>;
  quotas: QuotaRow[];
  codes: ReservationRow[];
  taken: Map<string, number>;
  used: Map<string, number>;
}) {
  const outstanding = (code: ReservationRow) => Math.max(0, code.reserved_seats - code.live_seated - (state.used.get(code.id) ?? 0));
  const held = (types: readonly string[] | null, except: string | null) =>
    state.codes
      .filter((c) => c.id !== except && (types === null || c.ticket_type_ids.every((t) => types.includes(t))))
      .reduce((sum, c) => sum + outstanding(c), 0);
  const takenOf = (types: readonly string[]) => types.reduce((sum, t) => sum + (state.taken.get(t) ?? 0), 0);
  return (request: SeatRequest): number => {
    const type = request.ticketTypeId;
    const limits: Array<{ size: number; types: readonly string[] | null; taken: number }> = [{ size: state.capacity, types: null, taken: takenOf(TYPES) }];
    const own = state.typeCapacity[type];
    if (own !== null && own !== undefined) limits.push({ size: own, types: [type], taken: takenOf([type]) });
    for (const q of state.quotas.filter((q) => q.ticket_type_ids.includes(type)))
      limits.push({ size: q.size, types: q.ticket_type_ids, taken: takenOf(q.ticket_type_ids) });
    // A code's held seats are its holders' for its own types only.
    const ownCode = state.codes.find((c) => c.id === request.accessCodeId && c.ticket_type_ids.includes(type))?.id ?? null;
    return Math.max(0, Math.min(...limits.map((l) => l.size - l.taken - held(l.types, ownCode))));
  };
}

/** A small deterministic generator, so a failure names its seed. */
function random(seed: number) {
  let x = seed;
  return (n: number) => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x % n;
  };
}

describe('SeatLedger', () => {
  it('agrees with the definition after every seat, over 2,000 random sequences', () => {
    for (let seed = 1; seed <= 2_000; seed++) {
      const pick = random(seed);
      const quotas: QuotaRow[] = [
        { id: 'quo_hall', event_id: E, name: 'Hall', size: 5 + pick(20), ticket_type_ids: ['tkt_a', 'tkt_b'] },
        { id: 'quo_all', event_id: E, name: 'All', size: 10 + pick(20), ticket_type_ids: TYPES },
      ];
      const codes: ReservationRow[] = [
        { id: 'acc_a', event_id: E, ticket_type_ids: ['tkt_a'], reserved_seats: pick(5), live_seated: 0, test_seated: 0 },
        { id: 'acc_ab', event_id: E, ticket_type_ids: ['tkt_a', 'tkt_b'], reserved_seats: pick(5), live_seated: pick(2), test_seated: 0 },
        { id: 'acc_all', event_id: E, ticket_type_ids: TYPES, reserved_seats: pick(4), live_seated: 0, test_seated: 0 },
      ];
      const state = {
        capacity: 15 + pick(30),
        typeCapacity: { tkt_a: pick(2) ? 4 + pick(10) : null, tkt_b: null, tkt_c: 3 + pick(10) } as Record<string, number | null>,
        quotas,
        codes,
        taken: new Map(TYPES.map((t) => [t, pick(3)])),
        used: new Map<string, number>(),
      };
      const takenCounts = new Map<string, number>([
        [`${E}\nfalse`, [...state.taken.values()].reduce((a, b) => a + b, 0)],
        ...TYPES.map((t) => [`${t}\nfalse`, state.taken.get(t)!] as [string, number]),
      ]);
      const ledger = new SeatLedger(
        { events: new Map([[E, state.capacity]]), ticketTypes: new Map(Object.entries(state.typeCapacity)), quotas, reservations: codes },
        takenCounts,
      );
      const expected = reference(state);
      for (let step = 0; step < 40; step++) {
        const code = [null, 'acc_a', 'acc_ab', 'acc_all'][pick(4)]!;
        const request: SeatRequest = { eventId: E, ticketTypeId: TYPES[pick(3)]!, testMode: false, accessCodeId: code };
        const want = expected(request);
        expect(ledger.available(request), `seed ${seed} step ${step}`).toBe(want);
        expect(ledger.refusal(request) === null, `seed ${seed} step ${step}`).toBe(want > 0);
        if (want === 0) continue;
        ledger.take(request);
        state.taken.set(request.ticketTypeId, state.taken.get(request.ticketTypeId)! + 1);
        const covers = codes.find((c) => c.id === code)?.ticket_type_ids.includes(request.ticketTypeId);
        if (code && covers) state.used.set(code, (state.used.get(code) ?? 0) + 1);
      }
    }
  });
});
