import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomField, deleteCustomField, updateCustomField } from '../../src/modules/custom-fields/custom-fields.service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { graphql, http } from '../support/http.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

/**
 * Issue 30, questions that depend on answers: the server decides which questions were asked from the submitted
 * answers and the ticket type; a question not asked is never required and its answer is refused (422).
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

type Seed = Awaited<ReturnType<typeof createSeedShapedEvent>>;

/** attending (checkbox) → diet (select, shown when attending is true) → allergy_detail (required, shown when diet is "other"). */
async function chainOfThree(seed: Seed) {
  const field = (input: Record<string, unknown>) => createCustomField(app.deps, { actor: seed.owner.actor, input: { eventId: seed.event.id, ...input } });
  await field({ fieldKey: 'attending_dinner', fieldLabel: 'Attending the dinner', fieldType: 'CHECKBOX' });
  await field({
    fieldKey: 'diet',
    fieldLabel: 'Diet',
    fieldType: 'SELECT',
    options: ['none', 'vegetarian', 'other'],
    required: true,
    showIf: { fieldKey: 'attending_dinner', values: ['true'] },
  });
  await field({ fieldKey: 'diet_detail', fieldLabel: 'Diet details', fieldType: 'TEXT', required: true, showIf: { fieldKey: 'diet', values: ['other'] } });
  await field({
    fieldKey: 'why_not',
    fieldLabel: 'Why not',
    fieldType: 'TEXT',
    showIf: { fieldKey: 'attending_dinner', values: ['false'] },
  });
}

const register = (seed: Seed, custom_data: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  postRegistration(app.url, seed.event.id, registrationBody({ custom_data, ...extra }), { key: seed.liveKey });

describe('questions that depend on answers', () => {
  it('a chain of three: each asked only when its parent is asked and answered so; required only when asked', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await chainOfThree(seed);
    // Dinner: diet is required; "other" makes its details required.
    expect((await register(seed, { attending_dinner: true })).body).toEqual({
      message: 'The given data was invalid.',
      errors: { 'custom_data.diet': ['The Diet field is required.'] },
    });
    expect((await register(seed, { attending_dinner: true, diet: 'other' })).body.errors).toEqual({
      'custom_data.diet_detail': ['The Diet details field is required.'],
    });
    const full = await register(seed, { attending_dinner: true, diet: 'other', diet_detail: 'No nuts' });
    expect(full.status).toBe(201);
    expect(full.body.custom_data).toEqual({ attending_dinner: true, diet: 'other', diet_detail: 'No nuts' });
    expect((await register(seed, { attending_dinner: true, diet: 'vegetarian' })).status).toBe(201);

    // No dinner (unchecked, or unanswered: false): diet and details are not asked, so not required, and refused if sent.
    expect((await register(seed, { attending_dinner: false })).status).toBe(201);
    expect((await register(seed, {})).status).toBe(201);
    expect((await register(seed, { why_not: 'Early train' })).status).toBe(201);
    const hidden = await register(seed, { attending_dinner: false, diet: 'other', diet_detail: 'No nuts', why_not: 'Busy' });
    expect(hidden.status).toBe(422);
    expect(hidden.body.errors).toEqual({
      'custom_data.diet': ['The Diet field must not be present.'],
      'custom_data.diet_detail': ['The Diet details field must not be present.'],
    });
    // A checkbox parent both ways: "false" shows why_not, "true" hides it.
    expect((await register(seed, { attending_dinner: true, diet: 'none', why_not: 'x' })).body.errors).toEqual({
      'custom_data.why_not': ['The Why not field must not be present.'],
    });
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } })).toBe(5);
  });

  it('questions for some ticket types only; a multi-select parent matches on any overlap; the public form returns the conditions', async () => {
    const seed = await createSeedShapedEvent(app.deps, { status: 'PUBLISHED', publicForm: true });
    const vip = await app.deps.prisma.ticketType.findFirstOrThrow({ where: { eventId: seed.event.id, slug: 'vip' } });
    const field = (input: Record<string, unknown>) => createCustomField(app.deps, { actor: seed.owner.actor, input: { eventId: seed.event.id, ...input } });
    await field({ fieldKey: 'vip_guest', fieldLabel: 'Guest name', fieldType: 'TEXT', required: true, ticketTypeIds: [vip.id] });
    await field({ fieldKey: 'topics', fieldLabel: 'Topics', fieldType: 'MULTI_SELECT', options: ['ai', 'web', 'data'] });
    await field({ fieldKey: 'ai_level', fieldLabel: 'AI level', fieldType: 'TEXT', required: true, showIf: { fieldKey: 'topics', values: ['ai', 'data'] } });

    expect((await register(seed, {}, { ticket_type_slug: 'vip' })).body.errors).toEqual({ 'custom_data.vip_guest': ['The Guest name field is required.'] });
    expect((await register(seed, { vip_guest: 'Bob' }, { ticket_type_slug: 'vip' })).status).toBe(201);
    expect((await register(seed, { vip_guest: 'Bob' })).body.errors).toEqual({ 'custom_data.vip_guest': ['The Guest name field must not be present.'] });
    expect((await register(seed, { topics: ['web', 'data'] })).body.errors).toEqual({ 'custom_data.ai_level': ['The AI level field is required.'] });
    expect((await register(seed, { topics: ['web'] })).status).toBe(201);
    // A checkbox not asked may come unticked (what a form sends for a box it did not show), not ticked.
    await field({ fieldKey: 'vip_lounge', fieldLabel: 'Lounge access', fieldType: 'CHECKBOX', ticketTypeIds: [vip.id] });
    expect((await register(seed, { vip_lounge: false })).status).toBe(201);
    expect((await register(seed, { vip_lounge: true })).body.errors).toEqual({ 'custom_data.vip_lounge': ['The Lounge access field must not be present.'] });

    const form = await http<any>(`${app.url}/v1/public/events/${seed.event.id}`);
    const byKey = new Map(form.body.custom_fields.map((f: { field_key: string }) => [f.field_key, f]));
    expect(byKey.get('vip_guest')).toMatchObject({ show_if: null, ticket_type_slugs: ['vip'] });
    expect(byKey.get('ai_level')).toMatchObject({ show_if: { field_key: 'topics', values: ['ai', 'data'] }, ticket_type_slugs: [] });
    expect(byKey.get('company')).toMatchObject({ show_if: null, ticket_type_slugs: [] });
  });

  it('saving refuses circles, strangers and impossible values; a question others depend on cannot be deleted', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await chainOfThree(seed);
    const fields = await app.deps.prisma.customField.findMany({ where: { eventId: seed.event.id } });
    const id = (key: string) => fields.find((f) => f.key === key)!.id;
    const refusal = async (run: Promise<unknown>) =>
      (
        (await run.then(
          () => null,
          (e) => e,
        )) as { fieldErrors?: unknown } | null
      )?.fieldErrors;
    // attending_dinner ← diet ← diet_detail: making the first depend on the last closes a circle.
    expect(
      await refusal(
        updateCustomField(app.deps, { actor: seed.owner.actor, input: { id: id('attending_dinner'), showIf: { fieldKey: 'diet_detail', values: ['x'] } } }),
      ),
    ).toEqual({
      'showIf.fieldKey': ['The show if field would make questions depend on each other in a circle.'],
    });
    expect(
      await refusal(updateCustomField(app.deps, { actor: seed.owner.actor, input: { id: id('diet'), showIf: { fieldKey: 'diet', values: ['x'] } } })),
    ).toEqual({
      'showIf.fieldKey': ['The show if field must name another question of this event ("diet" does not).'],
    });
    expect(
      await refusal(
        updateCustomField(app.deps, { actor: seed.owner.actor, input: { id: id('diet_detail'), showIf: { fieldKey: 'diet', values: ['pizza'] } } }),
      ),
    ).toEqual({
      'showIf.values': ['The show if values must be among "none", "vegetarian", "other".'],
    });
    expect(
      await refusal(
        updateCustomField(app.deps, { actor: seed.owner.actor, input: { id: id('diet'), showIf: { fieldKey: 'attending_dinner', values: ['yes'] } } }),
      ),
    ).toEqual({
      'showIf.values': ['The show if values must be among "true", "false".'],
    });
    expect(await refusal(deleteCustomField(app.deps, { actor: seed.owner.actor, input: { id: id('diet') } }))).toEqual({
      id: ['Other questions depend on this one (Diet details); change or delete them first.'],
    });
    // Through GraphQL: the condition is readable and can be removed.
    const removed = await graphql(
      app.url,
      'mutation($id: ID!) { updateCustomField(input: {id: $id, showIf: null}) { fieldKey showIf { fieldKey values } ticketTypeIds } }',
      {
        token: seed.owner.token,
        variables: { id: id('why_not') },
      },
    );
    expect(removed.data?.updateCustomField).toEqual({ fieldKey: 'why_not', showIf: null, ticketTypeIds: [] });
    const kept = await graphql(app.url, 'query($id: ID!) { event(id: $id) { customFields { fieldKey showIf { fieldKey values } } } }', {
      token: seed.owner.token,
      variables: { id: seed.event.id },
    });
    expect(kept.data?.event.customFields.find((f: { fieldKey: string }) => f.fieldKey === 'diet').showIf).toEqual({
      fieldKey: 'attending_dinner',
      values: ['true'],
    });
  });
});

describe('imports', () => {
  it('apply the same rules: a hidden question answered is a refused row; a chain answered as asked is imported', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await chainOfThree(seed);
    const stamp = Date.now();
    const csv = [
      'first_name,last_name,email,attending_dinner,diet,diet_detail',
      `Ok,One,ok1.${stamp}@example.com,true,other,No nuts`,
      `Ok,Two,ok2.${stamp}@example.com,false,,`,
      `Bad,Three,bad3.${stamp}@example.com,false,vegetarian,`,
      `Bad,Four,bad4.${stamp}@example.com,true,other,`,
    ].join('\n');
    const started = await graphql(app.url, 'mutation ($input: ImportAttendeesInput!) { importAttendees(input: $input) { id } }', {
      token: seed.owner.token,
      variables: { input: { eventId: seed.event.id, csv } },
    });
    const jobId = started.data!.importAttendees.id as string;
    const deadline = Date.now() + 30_000;
    let job: { status: string; created: number; errors: Array<{ row: number; field: string; message: string }> };
    for (;;) {
      job = (
        await graphql(app.url, 'query ($id: ID!) { importJob(id: $id) { status created errors { row field message } } }', {
          token: seed.owner.token,
          variables: { id: jobId },
        })
      ).data!.importJob;
      if (job.status === 'COMPLETED' || job.status === 'FAILED') break;
      if (Date.now() > deadline) throw new Error(`import still ${job.status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(job.status).toBe('COMPLETED');
    expect(job.created).toBe(2);
    expect(job.errors).toEqual([
      { row: 4, field: 'diet', message: 'The Diet field must not be present.' },
      { row: 5, field: 'diet_detail', message: 'The Diet details field is required.' },
    ]);
  }, 60_000);
});
