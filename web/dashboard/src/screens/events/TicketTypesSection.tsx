import { Alert, Badge, Button, Checkbox, Group, Modal, NativeSelect, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useMutation } from 'urql';
import { fieldErrors, formError } from '../../api/errors.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { FormAlert } from '../../components/FormAlert.tsx';
import { graphql } from '../../gql/index.ts';
import { formValues } from '../../lib/forms.ts';

const CreateTicketType = graphql(`
  mutation CreateTicketType($input: CreateTicketTypeInput!) {
    createTicketType(input: $input) {
      id
    }
  }
`);

const UpdateTicketType = graphql(`
  mutation UpdateTicketType($input: UpdateTicketTypeInput!) {
    updateTicketType(input: $input) {
      id
      name
      slug
      capacity
      isDefault
      waitlist
      offerHours
      requiresApproval
      hidden
    }
  }
`);

const DeleteTicketType = graphql(`
  mutation DeleteTicketType($input: DeleteTicketTypeInput!) {
    deleteTicketType(input: $input)
  }
`);

interface TicketType {
  id: string;
  name: string;
  slug: string;
  capacity?: number | null;
  isDefault: boolean;
  registeredCount: number;
  waitlist: 'OFF' | 'AUTO' | 'OFFER';
  offerHours: number;
  requiresApproval: boolean;
  hidden: boolean;
  waitlistedCount: number;
  pendingApprovalCount: number;
}

const FIELDS = ['name', 'slug', 'capacity', 'waitlist', 'offerHours', 'requiresApproval', 'hidden'];

const WAITLIST_LABELS = {
  OFF: 'Off: refuse when full',
  AUTO: 'Automatic: next in line gets the seat',
  OFFER: 'Offer: next in line gets a claim link',
} as const;

/** The waitlist and approval fields of the form, as the mutation's input. */
function admissionFrom(values: Record<string, string | undefined>) {
  const waitlist = (values.waitlist ?? 'OFF') as TicketType['waitlist'];
  const hours = Number((values.offerHours ?? '').trim() || '24');
  // An unchecked checkbox is absent from the form's values.
  return {
    waitlist,
    offerHours: Number.isInteger(hours) ? hours : 0,
    requiresApproval: values.requiresApproval !== undefined,
    hidden: values.hidden !== undefined,
  };
}

/** Capacity typed as text: empty is "no limit of its own" (null), anything else must be a whole number. */
function capacityFrom(text: string | undefined): { value: number | null; error?: string } {
  const trimmed = (text ?? '').trim();
  if (trimmed === '') return { value: null };
  const value = Number(trimmed);
  return Number.isInteger(value) ? { value } : { value: null, error: 'The capacity must be a whole number.' };
}

/** Name, slug (what REST clients send as ticket_type_slug) and capacity: adding and editing use the same fields. */
function TicketTypeFields({ initial, errors }: { initial?: TicketType; errors: Record<string, string> }) {
  return (
    <SimpleGrid cols={{ base: 1, sm: 3 }}>
      <TextInput label="Name" name="name" required maxLength={100} defaultValue={initial?.name} error={errors.name} />
      <TextInput label="Slug" name="slug" required maxLength={64} defaultValue={initial?.slug} description="ticket_type_slug in REST" error={errors.slug} />
      <TextInput
        label="Capacity"
        name="capacity"
        type="number"
        min={0}
        defaultValue={initial?.capacity ?? ''}
        description="Empty: only the event’s limit"
        error={errors.capacity}
      />
      <NativeSelect
        label="Waitlist"
        name="waitlist"
        defaultValue={initial?.waitlist ?? 'OFF'}
        description="When this type or the event is full"
        data={Object.entries(WAITLIST_LABELS).map(([value, label]) => ({ value, label }))}
        error={errors.waitlist}
      />
      <TextInput
        label="Offer hours"
        name="offerHours"
        type="number"
        min={1}
        max={336}
        defaultValue={initial?.offerHours ?? 24}
        description="How long an offered seat is held"
        error={errors.offerHours}
      />
      <Checkbox
        label="Requires approval"
        name="requiresApproval"
        defaultChecked={initial?.requiresApproval ?? false}
        description="Registrations wait for you to approve or decline them"
        error={errors.requiresApproval}
        mt="lg"
      />
      <Checkbox
        label="Hidden"
        name="hidden"
        defaultChecked={initial?.hidden ?? false}
        description="Not on the public form; only with an access code for it"
        error={errors.hidden}
        mt="lg"
      />
    </SimpleGrid>
  );
}

export function TicketTypesSection({ eventId, ticketTypes, onChange }: { eventId: string; ticketTypes: readonly TicketType[]; onChange: () => void }) {
  const [created, create] = useMutation(CreateTicketType);
  const [capacityError, setCapacityError] = useState<string>();
  const [editing, setEditing] = useState<TicketType | null>(null);
  const [deleted, remove] = useMutation(DeleteTicketType);
  const errors = { ...fieldErrors(created.error), ...(capacityError ? { capacity: capacityError } : {}) };
  const general = formError(created.error, FIELDS);
  return (
    <Paper withBorder p="lg" component="section" aria-labelledby="ticket-types-title">
      <Stack>
        <Title order={2} size="h3" id="ticket-types-title">
          Ticket types
        </Title>
        {deleted.error ? (
          <Alert color="red" role="alert">
            {formError(deleted.error, [])}
          </Alert>
        ) : null}
        <Table.ScrollContainer minWidth={600}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Name</Table.Th>
                <Table.Th scope="col">Slug</Table.Th>
                <Table.Th scope="col" ta="right">
                  Capacity
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  Registered
                </Table.Th>
                <Table.Th scope="col">Waitlist</Table.Th>
                <Table.Th scope="col" ta="right">
                  Waiting
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  Pending approval
                </Table.Th>
                <Table.Th scope="col">
                  <Text span size="sm" fw={700}>
                    Actions
                  </Text>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {ticketTypes.map((type) => (
                <Table.Tr key={type.id}>
                  <Table.Td>
                    {type.name}{' '}
                    {type.isDefault ? (
                      <Badge size="sm" variant="outline" color="dark">
                        default
                      </Badge>
                    ) : null}{' '}
                    {type.hidden ? (
                      <Badge size="sm" variant="outline" color="dark">
                        hidden
                      </Badge>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    <code>{type.slug}</code>
                  </Table.Td>
                  <Table.Td ta="right">{type.capacity ?? 'no limit'}</Table.Td>
                  <Table.Td ta="right">{type.registeredCount}</Table.Td>
                  <Table.Td>{type.waitlist === 'OFF' ? 'off' : type.waitlist === 'AUTO' ? 'automatic' : `offer (${type.offerHours} h)`}</Table.Td>
                  <Table.Td ta="right">{type.waitlistedCount}</Table.Td>
                  <Table.Td ta="right">{type.requiresApproval ? type.pendingApprovalCount : '—'}</Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button size="compact-sm" variant="default" onClick={() => setEditing(type)} aria-label={`Edit ticket type ${type.name}`}>
                        Edit
                      </Button>
                      {type.isDefault ? null : (
                        <ConfirmButton
                          size="compact-sm"
                          variant="subtle"
                          color="red"
                          aria-label={`Delete ticket type ${type.name}`}
                          title={`Delete the ticket type “${type.name}”?`}
                          message="Only a ticket type nobody holds can be deleted. Registrations naming its slug will be refused."
                          confirmLabel="Delete"
                          loading={deleted.fetching}
                          onConfirm={async () => {
                            const result = await remove({ input: { id: type.id } });
                            if (result.data) onChange();
                          }}
                        >
                          Delete
                        </ConfirmButton>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <form
          noValidate
          onSubmit={async (event) => {
            const form = event.currentTarget;
            const values = formValues(event);
            const capacity = capacityFrom(values.capacity);
            setCapacityError(capacity.error);
            if (capacity.error) return;
            const result = await create({
              input: { eventId, name: values.name ?? '', slug: values.slug ?? '', capacity: capacity.value, ...admissionFrom(values) },
            });
            if (result.data) {
              form.reset();
              onChange();
            }
          }}
        >
          <Stack gap="xs">
            <Title order={3} size="h5">
              New ticket type
            </Title>
            <FormAlert>{general}</FormAlert>
            <TicketTypeFields errors={errors} />
            <Group justify="flex-end">
              <Button type="submit" variant="light" loading={created.fetching}>
                Add ticket type
              </Button>
            </Group>
          </Stack>
        </form>
      </Stack>
      <EditTicketType
        ticketType={editing}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          onChange();
        }}
      />
    </Paper>
  );
}

function EditTicketType({ ticketType, onClose, onSaved }: { ticketType: TicketType | null; onClose: () => void; onSaved: () => void }) {
  const [state, update] = useMutation(UpdateTicketType);
  const [capacityError, setCapacityError] = useState<string>();
  const errors = { ...fieldErrors(state.error), ...(capacityError ? { capacity: capacityError } : {}) };
  const general = formError(state.error, FIELDS);
  return (
    <Modal opened={ticketType !== null} onClose={onClose} title={`Edit ${ticketType?.name ?? 'ticket type'}`} size="lg" centered>
      {ticketType ? (
        <form
          noValidate
          onSubmit={async (event) => {
            const values = formValues(event);
            const capacity = capacityFrom(values.capacity);
            setCapacityError(capacity.error);
            if (capacity.error) return;
            const result = await update({
              input: { id: ticketType.id, name: values.name, slug: values.slug, capacity: capacity.value, ...admissionFrom(values) },
            });
            if (result.data) onSaved();
          }}
        >
          <Stack>
            <FormAlert>{general}</FormAlert>
            <TicketTypeFields initial={ticketType} errors={errors} />
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={state.fetching}>
                Save
              </Button>
            </Group>
          </Stack>
        </form>
      ) : null}
    </Modal>
  );
}
