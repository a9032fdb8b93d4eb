import { Anchor, Button, Checkbox, Group, Paper, SimpleGrid, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { useParams } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { type CombinedError, useClient, useMutation } from 'urql';
import { errorMessage, fieldErrors, formError } from '../../api/errors.ts';
import { useQuery } from '../../api/query.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { EventHeader } from '../../components/EventHeader.tsx';
import { FormAlert } from '../../components/FormAlert.tsx';
import { Loading } from '../../components/Loading.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { graphql } from '../../gql/index.ts';
import { downloadText } from '../../lib/download.ts';
import { formValues } from '../../lib/forms.ts';
import { formatDateTime, zonedToUtc } from '../../lib/time.ts';
import { useTitle } from '../../lib/title.ts';

/** The newest codes first would hide the ones being handed out; a long list is exported as CSV instead. */
const SHOWN = 200;

const AccessPageQuery = graphql(`
  query AccessPage($eventId: ID!, $first: Int!) {
    event(id: $eventId) {
      id
      name
      status
      startsAt
      timezone
      venue
      ticketTypes {
        id
        name
        hidden
      }
      quotas {
        id
        name
        size
        registeredCount
        remaining
        ticketTypes {
          id
          name
        }
      }
    }
    accessCodes(eventId: $eventId, first: $first) {
      totalCount
      edges {
        node {
          id
          code
          maxUses
          usedCount
          reservedSeats
          validUntil
          enabled
          ticketTypes {
            id
            name
          }
        }
      }
    }
  }
`);

const CreateQuota = graphql(`
  mutation CreateQuotaFromDashboard($input: CreateQuotaInput!) {
    createQuota(input: $input) {
      id
    }
  }
`);

const UpdateQuota = graphql(`
  mutation UpdateQuotaFromDashboard($input: UpdateQuotaInput!) {
    updateQuota(input: $input) {
      id
      size
    }
  }
`);

const DeleteQuota = graphql(`
  mutation DeleteQuotaFromDashboard($input: DeleteQuotaInput!) {
    deleteQuota(input: $input)
  }
`);

const CreateCodes = graphql(`
  mutation CreateAccessCodesFromDashboard($input: CreateAccessCodesInput!) {
    createAccessCodes(input: $input) {
      id
    }
  }
`);

const CreateCode = graphql(`
  mutation CreateAccessCodeFromDashboard($input: CreateAccessCodeInput!) {
    createAccessCode(input: $input) {
      id
      code
    }
  }
`);

const UpdateCode = graphql(`
  mutation UpdateAccessCodeFromDashboard($input: UpdateAccessCodeInput!) {
    updateAccessCode(input: $input) {
      id
      enabled
    }
  }
`);

const DeleteCode = graphql(`
  mutation DeleteAccessCodeFromDashboard($input: DeleteAccessCodeInput!) {
    deleteAccessCode(input: $input)
  }
`);

const CodesCsv = graphql(`
  query AccessCodesCsv($eventId: ID!) {
    accessCodesCsv(eventId: $eventId)
  }
`);

interface TicketTypeOption {
  id: string;
  name: string;
}

/** Ticket types to tick (each a checkbox named `type:<id>`); the ticked ids from a form's values. */
function TypeChoices({ types, legend, description }: { types: readonly TicketTypeOption[]; legend: string; description: string }) {
  return (
    <Checkbox.Group label={legend} description={description}>
      <Group mt="xs">
        {types.map((t) => (
          <Checkbox key={t.id} name={`type:${t.id}`} value={t.id} label={t.name} />
        ))}
      </Group>
    </Checkbox.Group>
  );
}
const tickedTypes = (values: Record<string, string>) =>
  Object.keys(values)
    .filter((k) => k.startsWith('type:'))
    .map((k) => k.slice(5));

/** A whole number typed as text: empty is null (no limit); anything else must be a whole number. */
function wholeNumber(text: string | undefined, label: string): { value: number | null; error?: string } {
  const trimmed = (text ?? '').trim();
  if (trimmed === '') return { value: null };
  const value = Number(trimmed);
  return Number.isInteger(value) ? { value } : { value: null, error: `${label} must be a whole number.` };
}

function QuotasSection({
  eventId,
  types,
  quotas,
  onChange,
}: {
  eventId: string;
  types: readonly TicketTypeOption[];
  quotas: readonly Quota[];
  onChange: () => void;
}) {
  const [created, create] = useMutation(CreateQuota);
  const [updated, update] = useMutation(UpdateQuota);
  const [deleted, remove] = useMutation(DeleteQuota);
  const [sizeError, setSizeError] = useState<string>();
  // A new form after each quota added: every field (ticked types included) starts empty again.
  const [formKey, setFormKey] = useState(0);
  const errors: Record<string, string> = { ...fieldErrors(created.error), ...(sizeError ? { size: sizeError } : {}) };
  const onCreate = async (e: FormEvent<HTMLFormElement>) => {
    const values = formValues(e);
    const size = wholeNumber(values.size, 'The size');
    setSizeError(size.error ?? (size.value === null ? 'The size is required.' : undefined));
    if (size.error || size.value === null) return;
    const result = await create({ input: { eventId, name: values.name ?? '', size: size.value, ticketTypeIds: tickedTypes(values) } });
    if (!result.error) {
      setFormKey((k) => k + 1);
      onChange();
    }
  };
  return (
    <Paper withBorder p="lg" component="section" aria-labelledby="quotas-title">
      <Stack>
        <Title order={2} size="h3" id="quotas-title">
          Quotas
        </Title>
        <Text size="sm" c="dimmed">
          Seats shared by several ticket types (“200 in the hall”). A registration takes a seat from every quota of its type, as well as from the type’s and the
          event’s capacity; the tightest decides.
        </Text>
        {quotas.length === 0 ? (
          <Text size="sm">No quotas yet.</Text>
        ) : (
          <Table.ScrollContainer minWidth={600}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Name</Table.Th>
                  <Table.Th scope="col">Ticket types</Table.Th>
                  <Table.Th scope="col" ta="right">
                    Size
                  </Table.Th>
                  <Table.Th scope="col" ta="right">
                    Held
                  </Table.Th>
                  <Table.Th scope="col" ta="right">
                    Remaining
                  </Table.Th>
                  <Table.Th scope="col">Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {quotas.map((q) => (
                  <Table.Tr key={q.id}>
                    <Table.Td>{q.name}</Table.Td>
                    <Table.Td>{q.ticketTypes.map((t) => t.name).join(', ')}</Table.Td>
                    <Table.Td ta="right">{q.size}</Table.Td>
                    <Table.Td ta="right">{q.registeredCount}</Table.Td>
                    <Table.Td ta="right">{q.remaining}</Table.Td>
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        <form
                          onSubmit={async (e) => {
                            const values = formValues(e);
                            const size = wholeNumber(values.size, 'The size');
                            if (size.value === null) return;
                            const result = await update({ input: { id: q.id, size: size.value } });
                            if (!result.error) onChange();
                          }}
                        >
                          <Group gap={4} wrap="nowrap">
                            <TextInput name="size" type="number" min={0} size="xs" w={90} defaultValue={q.size} aria-label={`New size of ${q.name}`} />
                            <Button type="submit" size="xs" variant="default" loading={updated.fetching}>
                              Resize
                            </Button>
                          </Group>
                        </form>
                        <ConfirmButton
                          size="xs"
                          variant="subtle"
                          color="red"
                          title={`Delete the quota “${q.name}”?`}
                          message="Its ticket types stop sharing these seats; anyone in line gets the seats this frees."
                          confirmLabel="Delete quota"
                          loading={deleted.fetching}
                          onConfirm={async () => {
                            const result = await remove({ input: { id: q.id } });
                            if (!result.error) onChange();
                          }}
                        >
                          Delete
                        </ConfirmButton>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        <FormAlert>{errorMessage(updated.error) ?? errorMessage(deleted.error)}</FormAlert>
        <form key={formKey} onSubmit={onCreate} aria-labelledby="new-quota-title">
          <Stack>
            <Title order={3} size="h4" id="new-quota-title">
              Add a quota
            </Title>
            <FormAlert>{formError(created.error, ['name', 'size', 'ticketTypeIds'])}</FormAlert>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput label="Name" name="name" required maxLength={100} error={errors.name} placeholder="Hall" />
              <TextInput label="Size" name="size" type="number" min={0} required error={errors.size} description="Seats the types share" />
            </SimpleGrid>
            <TypeChoices types={types} legend="Ticket types that share it" description="Tick at least one" />
            {errors.ticketTypeIds ? (
              <Text c="red" size="sm">
                {errors.ticketTypeIds}
              </Text>
            ) : null}
            <Group>
              <Button type="submit" loading={created.fetching}>
                Add quota
              </Button>
            </Group>
          </Stack>
        </form>
      </Stack>
    </Paper>
  );
}

interface Quota {
  id: string;
  name: string;
  size: number;
  registeredCount: number;
  remaining: number;
  ticketTypes: readonly TicketTypeOption[];
}

function CodeForm({ eventId, timezone, types, onChange }: { eventId: string; timezone: string; types: readonly TicketTypeOption[]; onChange: () => void }) {
  const [one, createOne] = useMutation(CreateCode);
  const [many, createMany] = useMutation(CreateCodes);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [made, setMade] = useState<string>();
  const [formKey, setFormKey] = useState(0);
  const error: CombinedError | undefined = one.error ?? many.error;
  const errors = { ...fieldErrors(error), ...localErrors };
  const onSubmit = async (e: FormEvent<HTMLFormElement>) => {
    const values = formValues(e);
    const maxUses = wholeNumber(values.maxUses, 'Max uses');
    const reservedSeats = wholeNumber(values.reservedSeats, 'Reserved seats');
    const count = wholeNumber(values.count, 'How many');
    const validUntil = values.validUntil?.trim() ? zonedToUtc(values.validUntil, timezone) : null;
    const problems: Record<string, string> = {};
    if (maxUses.error) problems.maxUses = maxUses.error;
    if (reservedSeats.error) problems.reservedSeats = reservedSeats.error;
    if (count.error) problems.count = count.error;
    if (values.validUntil?.trim() && !validUntil) problems.validUntil = `Use YYYY-MM-DD HH:mm (${timezone} time).`;
    setLocalErrors(problems);
    if (Object.keys(problems).length > 0) return;
    const rules = {
      eventId,
      ticketTypeIds: tickedTypes(values),
      maxUses: maxUses.value,
      reservedSeats: reservedSeats.value ?? 0,
      validUntil: validUntil?.toISOString() ?? null,
    };
    const result =
      (count.value ?? 1) > 1
        ? await createMany({ input: { ...rules, count: count.value ?? 1, prefix: values.code?.trim() || null } })
        : await createOne({ input: { ...rules, code: values.code?.trim() || null } });
    if (!result.error) {
      setFormKey((k) => k + 1);
      setMade(
        (count.value ?? 1) > 1
          ? `${count.value} codes created.`
          : `Code ${(result.data as { createAccessCode?: { code: string } })?.createAccessCode?.code} created.`,
      );
      onChange();
    }
  };
  return (
    <form key={formKey} onSubmit={onSubmit} aria-labelledby="new-code-title">
      <Stack>
        <Title order={3} size="h4" id="new-code-title">
          Create access codes
        </Title>
        <FormAlert>{formError(error, ['code', 'count', 'prefix', 'maxUses', 'reservedSeats', 'validUntil', 'ticketTypeIds'])}</FormAlert>
        {made ? (
          <Text size="sm" role="status">
            {made}
          </Text>
        ) : null}
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput
            label="Code (or prefix)"
            name="code"
            maxLength={64}
            error={errors.code ?? errors.prefix}
            description="Empty: random. With several: put before each"
            autoComplete="off"
          />
          <TextInput label="How many" name="count" type="number" min={1} max={1000} defaultValue={1} error={errors.count} description="1 to 1,000" />
          <TextInput label="Max uses" name="maxUses" type="number" min={1} error={errors.maxUses} description="Empty: no limit" />
          <TextInput
            label="Reserved seats"
            name="reservedSeats"
            type="number"
            min={0}
            error={errors.reservedSeats}
            description="Held for its holders only; at most max uses"
          />
          <TextInput
            label="Valid until"
            name="validUntil"
            error={errors.validUntil}
            description={`YYYY-MM-DD HH:mm, ${timezone} time; empty: no end`}
            autoComplete="off"
          />
        </SimpleGrid>
        <TypeChoices types={types} legend="Valid for" description="None ticked: every ticket type (hidden ones included)" />
        <Group>
          <Button type="submit" loading={one.fetching || many.fetching}>
            Create
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function AccessCodes() {
  const { eventId } = useParams({ strict: false }) as { eventId: string };
  const [{ data, error }, reload] = useQuery({ query: AccessPageQuery, variables: { eventId, first: SHOWN } });
  const [toggled, toggle] = useMutation(UpdateCode);
  const [deleted, remove] = useMutation(DeleteCode);
  const client = useClient();
  const [exportError, setExportError] = useState<string>();
  useTitle(data?.event ? `Access codes & quotas · ${data.event.name}` : 'Access codes & quotas');
  const refresh = () => reload({ requestPolicy: 'network-only' });

  if (error && !data) return <QueryError error={error} retry={refresh} />;
  const event = data?.event;
  if (!event || !data) return <Loading />;
  const types = event.ticketTypes.map((t) => ({ id: t.id, name: t.hidden ? `${t.name} (hidden)` : t.name }));

  const exportCsv = async () => {
    setExportError(undefined);
    const result = await client.query(CodesCsv, { eventId }, { requestPolicy: 'network-only' }).toPromise();
    if (result.error || result.data === undefined) return setExportError(errorMessage(result.error));
    downloadText(result.data.accessCodesCsv, 'access-codes.csv', 'text/csv');
  };

  return (
    <Stack>
      <EventHeader event={event} title="Access codes & quotas" />
      <QuotasSection eventId={eventId} types={types} quotas={event.quotas} onChange={refresh} />
      <Paper withBorder p="lg" component="section" aria-labelledby="codes-title">
        <Stack>
          <Group justify="space-between">
            <Title order={2} size="h3" id="codes-title">
              Access codes ({data.accessCodes.totalCount})
            </Title>
            <Anchor component="button" type="button" size="sm" onClick={exportCsv}>
              Download codes as CSV
            </Anchor>
          </Group>
          <Text size="sm" c="dimmed">
            A code unlocks hidden ticket types and can hold seats for its holders. Registrations send it as access_code; it is matched whatever its case.
          </Text>
          <FormAlert>{exportError ?? errorMessage(toggled.error) ?? errorMessage(deleted.error)}</FormAlert>
          {data.accessCodes.edges.length === 0 ? (
            <Text size="sm">No access codes yet.</Text>
          ) : (
            <Table.ScrollContainer minWidth={700}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Code</Table.Th>
                    <Table.Th scope="col">Valid for</Table.Th>
                    <Table.Th scope="col" ta="right">
                      Used
                    </Table.Th>
                    <Table.Th scope="col" ta="right">
                      Reserved seats
                    </Table.Th>
                    <Table.Th scope="col">Valid until</Table.Th>
                    <Table.Th scope="col">Enabled</Table.Th>
                    <Table.Th scope="col">Actions</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.accessCodes.edges.map(({ node: c }) => (
                    <Table.Tr key={c.id}>
                      <Table.Td>
                        <code>{c.code}</code>
                      </Table.Td>
                      <Table.Td>{c.ticketTypes.length === 0 ? 'every type' : c.ticketTypes.map((t) => t.name).join(', ')}</Table.Td>
                      <Table.Td ta="right">{c.maxUses === null || c.maxUses === undefined ? c.usedCount : `${c.usedCount} of ${c.maxUses}`}</Table.Td>
                      <Table.Td ta="right">{c.reservedSeats}</Table.Td>
                      <Table.Td>{c.validUntil ? formatDateTime(c.validUntil, event.timezone) : '—'}</Table.Td>
                      <Table.Td>
                        <Switch
                          checked={c.enabled}
                          label={c.enabled ? 'on' : 'off'}
                          aria-label={`Code ${c.code} enabled`}
                          onChange={async (e) => {
                            const result = await toggle({ input: { id: c.id, enabled: e.currentTarget.checked } });
                            if (!result.error) refresh();
                          }}
                        />
                      </Table.Td>
                      <Table.Td>
                        <ConfirmButton
                          size="xs"
                          variant="subtle"
                          color="red"
                          title={`Delete the code ${c.code}?`}
                          message="It stops working at once and its held seats are released; whoever registered with it keeps their registration."
                          confirmLabel="Delete code"
                          loading={deleted.fetching}
                          onConfirm={async () => {
                            const result = await remove({ input: { id: c.id } });
                            if (!result.error) refresh();
                          }}
                        >
                          Delete
                        </ConfirmButton>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          {data.accessCodes.totalCount > SHOWN ? (
            <Text size="sm">
              The first {SHOWN} are shown; download the CSV for all {data.accessCodes.totalCount}.
            </Text>
          ) : null}
          <CodeForm eventId={eventId} timezone={event.timezone} types={types} onChange={refresh} />
        </Stack>
      </Paper>
    </Stack>
  );
}
