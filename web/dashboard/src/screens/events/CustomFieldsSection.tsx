import { Alert, Badge, Button, Checkbox, Group, Modal, NativeSelect, Paper, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useClient, useMutation } from 'urql';
import { fieldErrors, formError } from '../../api/errors.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { FormAlert } from '../../components/FormAlert.tsx';
import type { CustomFieldType } from '../../gql/graphql.ts';
import { graphql } from '../../gql/index.ts';
import { formValues } from '../../lib/forms.ts';

const CreateCustomField = graphql(`
  mutation CreateCustomField($input: CreateCustomFieldInput!) {
    createCustomField(input: $input) {
      id
    }
  }
`);

const UpdateCustomField = graphql(`
  mutation UpdateCustomField($input: UpdateCustomFieldInput!) {
    updateCustomField(input: $input) {
      id
      fieldLabel
      required
      options
      position
      showIf {
        fieldKey
        values
      }
      ticketTypeIds
    }
  }
`);

const DeleteCustomField = graphql(`
  mutation DeleteCustomField($input: DeleteCustomFieldInput!) {
    deleteCustomField(input: $input)
  }
`);

interface CustomField {
  id: string;
  fieldKey: string;
  fieldLabel: string;
  fieldType: string;
  required: boolean;
  options: readonly string[];
  position: number;
  showIf?: { fieldKey: string; values: readonly string[] } | null;
  ticketTypeIds: readonly string[];
}

interface TicketTypeChoice {
  id: string;
  name: string;
}

const TYPES: Array<{ value: CustomFieldType; label: string }> = [
  { value: 'TEXT', label: 'Text' },
  { value: 'TEXTAREA', label: 'Long text' },
  { value: 'NUMBER', label: 'Number' },
  { value: 'CHECKBOX', label: 'Checkbox' },
  { value: 'SELECT', label: 'One of a list' },
  { value: 'MULTI_SELECT', label: 'Several of a list' },
  { value: 'DATE', label: 'Date' },
  { value: 'EMAIL', label: 'Email' },
  { value: 'PHONE', label: 'Phone' },
  { value: 'URL', label: 'URL' },
  { value: 'COUNTRY', label: 'Country' },
];
const typeLabel = (type: string) => TYPES.find((t) => t.value === type)?.label ?? type;
const hasOptions = (type: string) => type === 'SELECT' || type === 'MULTI_SELECT';
const optionsFrom = (text: string | undefined) =>
  (text ?? '')
    .split('\n')
    .map((o) => o.trim())
    .filter(Boolean);

/** A label as a field key: "Job title" → job_title. */
const keyFrom = (label: string) =>
  label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/^(\d)/, 'f_$1')
    .slice(0, 64);

const NEW_FIELDS = ['fieldLabel', 'fieldKey', 'fieldType', 'required', 'options'];

/**
 * The event's registration questions (custom_data keys for integrators): add, edit, order, delete. A field's key
 * and type are fixed once created (stored answers depend on them).
 */
export function CustomFieldsSection({
  eventId,
  fields,
  ticketTypes,
  onChange,
}: {
  eventId: string;
  fields: readonly CustomField[];
  ticketTypes: readonly TicketTypeChoice[];
  onChange: () => void;
}) {
  const client = useClient();
  const [created, create] = useMutation(CreateCustomField);
  const [deleted, remove] = useMutation(DeleteCustomField);
  const [type, setType] = useState<string>('TEXT');
  const [key, setKey] = useState('');
  const [keyTouched, setKeyTouched] = useState(false);
  const [editing, setEditing] = useState<CustomField | null>(null);
  const [moving, setMoving] = useState<string | null>(null);
  const [moveError, setMoveError] = useState<string>();
  const errors = fieldErrors(created.error);
  const general = formError(created.error, NEW_FIELDS);

  /** Moves a field one place and writes the positions that changed (usually two). */
  const move = async (index: number, by: -1 | 1) => {
    const order = [...fields];
    const [field] = order.splice(index, 1);
    if (!field) return;
    order.splice(index + by, 0, field);
    setMoving(field.id);
    setMoveError(undefined);
    for (const [position, f] of order.entries()) {
      if (f.position === position) continue;
      const result = await client.mutation(UpdateCustomField, { input: { id: f.id, position } }).toPromise();
      if (result.error) {
        setMoveError(formError(result.error, []));
        break;
      }
    }
    setMoving(null);
    onChange();
  };

  return (
    <Paper withBorder p="lg" component="section" aria-labelledby="custom-fields-title">
      <Stack>
        <Title order={2} size="h3" id="custom-fields-title">
          Registration questions
        </Title>
        <Text size="sm" c="dimmed">
          Custom fields: attendees answer them on registration; integrators send the answers in <code>custom_data</code> by key.
        </Text>
        {deleted.error || moveError ? (
          <Alert color="red" role="alert">
            {moveError ?? formError(deleted.error, [])}
          </Alert>
        ) : null}
        {fields.length === 0 ? (
          <Text c="dimmed">No questions yet.</Text>
        ) : (
          <Table.ScrollContainer minWidth={700}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Label</Table.Th>
                  <Table.Th scope="col">Key</Table.Th>
                  <Table.Th scope="col">Type</Table.Th>
                  <Table.Th scope="col">Required</Table.Th>
                  <Table.Th scope="col">Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {fields.map((field, index) => (
                  <Table.Tr key={field.id}>
                    <Table.Td>
                      {field.fieldLabel}
                      {field.options.length > 0 ? (
                        <Text size="xs" c="dimmed">
                          {field.options.join(', ')}
                        </Text>
                      ) : null}
                      {field.showIf || field.ticketTypeIds.length > 0 ? (
                        <Text size="xs" c="dimmed">
                          Asked {conditionText(field, fields, ticketTypes)}
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      <code>{field.fieldKey}</code>
                    </Table.Td>
                    <Table.Td>{typeLabel(field.fieldType)}</Table.Td>
                    <Table.Td>{field.required ? <Badge variant="light">required</Badge> : 'optional'}</Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <Button
                          size="compact-sm"
                          variant="default"
                          disabled={index === 0 || moving !== null}
                          loading={moving === field.id}
                          onClick={() => void move(index, -1)}
                          aria-label={`Move ${field.fieldLabel} up`}
                        >
                          ↑
                        </Button>
                        <Button
                          size="compact-sm"
                          variant="default"
                          disabled={index === fields.length - 1 || moving !== null}
                          onClick={() => void move(index, 1)}
                          aria-label={`Move ${field.fieldLabel} down`}
                        >
                          ↓
                        </Button>
                        <Button size="compact-sm" variant="default" onClick={() => setEditing(field)} aria-label={`Edit ${field.fieldLabel}`}>
                          Edit
                        </Button>
                        <ConfirmButton
                          size="compact-sm"
                          variant="subtle"
                          color="red"
                          aria-label={`Delete ${field.fieldLabel}`}
                          title={`Delete the question “${field.fieldLabel}”?`}
                          message="Answers already given stay in each attendee’s custom data; new registrations no longer see the question."
                          confirmLabel="Delete"
                          loading={deleted.fetching}
                          onConfirm={async () => {
                            const result = await remove({ input: { id: field.id } });
                            if (result.data) onChange();
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
        <form
          noValidate
          onSubmit={async (event) => {
            const form = event.currentTarget;
            const values = formValues(event);
            const result = await create({
              input: {
                eventId,
                fieldLabel: values.fieldLabel ?? '',
                fieldKey: values.fieldKey ?? '',
                fieldType: (values.fieldType ?? 'TEXT') as CustomFieldType,
                required: values.required === 'on',
                ...(hasOptions(values.fieldType ?? '') ? { options: optionsFrom(values.options) } : {}),
              },
            });
            if (result.data) {
              form.reset();
              setKey('');
              setKeyTouched(false);
              setType('TEXT');
              onChange();
            }
          }}
        >
          <Stack gap="xs">
            <Title order={3} size="h5">
              New question
            </Title>
            <FormAlert>{general}</FormAlert>
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <TextInput
                label="Label"
                name="fieldLabel"
                required
                maxLength={200}
                error={errors.fieldLabel}
                onChange={(e) => {
                  if (!keyTouched) setKey(keyFrom(e.currentTarget.value));
                }}
              />
              <TextInput
                label="Key"
                name="fieldKey"
                required
                value={key}
                onChange={(e) => {
                  setKeyTouched(true);
                  setKey(e.currentTarget.value);
                }}
                description="snake_case; fixed once created"
                error={errors.fieldKey}
              />
              <NativeSelect label="Type" name="fieldType" value={type} onChange={(e) => setType(e.currentTarget.value)} data={TYPES} error={errors.fieldType} />
            </SimpleGrid>
            {hasOptions(type) ? <Textarea label="Options" name="options" description="One per line" autosize minRows={3} error={errors.options} /> : null}
            <Checkbox label="Required" name="required" />
            <Group justify="flex-end">
              <Button type="submit" variant="light" loading={created.fetching}>
                Add field
              </Button>
            </Group>
          </Stack>
        </form>
      </Stack>
      <EditCustomField
        field={editing}
        fields={fields}
        ticketTypes={ticketTypes}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          onChange();
        }}
      />
    </Paper>
  );
}

/** "only when Attending the dinner is true, for VIP": how the table says when a question is asked. */
function conditionText(field: CustomField, fields: readonly CustomField[], ticketTypes: readonly TicketTypeChoice[]): string {
  const parts: string[] = [];
  if (field.showIf) {
    const parent = fields.find((f) => f.fieldKey === field.showIf!.fieldKey);
    parts.push(`only when ${parent?.fieldLabel ?? field.showIf.fieldKey} is ${field.showIf.values.join(' or ')}`);
  }
  if (field.ticketTypeIds.length > 0) {
    parts.push(
      `for ${ticketTypes
        .filter((t) => field.ticketTypeIds.includes(t.id))
        .map((t) => t.name)
        .join(', ')}`,
    );
  }
  return parts.join(', ');
}

function EditCustomField({
  field,
  fields,
  ticketTypes,
  onClose,
  onSaved,
}: {
  field: CustomField | null;
  fields: readonly CustomField[];
  ticketTypes: readonly TicketTypeChoice[];
  onClose: () => void;
  onSaved: () => void;
}) {
  const [state, update] = useMutation(UpdateCustomField);
  const errors = fieldErrors(state.error);
  const general = formError(state.error, ['fieldLabel', 'required', 'options', 'showIf.fieldKey', 'showIf.values', 'ticketTypeIds']);
  return (
    <Modal opened={field !== null} onClose={onClose} title={`Edit ${field?.fieldLabel ?? 'question'}`} size="lg" centered>
      {field ? (
        <form
          noValidate
          onSubmit={async (event) => {
            const form = event.currentTarget;
            const values = formValues(event);
            const parentKey = values.showIfField ?? '';
            const answers = (values.showIfValues ?? '')
              .split(',')
              .map((v) => v.trim())
              .filter(Boolean);
            const types = ticketTypes.filter((t) => (form.elements.namedItem(`ticketType-${t.id}`) as HTMLInputElement | null)?.checked).map((t) => t.id);
            const result = await update({
              input: {
                id: field.id,
                fieldLabel: values.fieldLabel,
                required: values.required === 'on',
                ...(hasOptions(field.fieldType) ? { options: optionsFrom(values.options) } : {}),
                showIf: parentKey ? { fieldKey: parentKey, values: answers } : null,
                ticketTypeIds: types,
              },
            });
            if (result.data) onSaved();
          }}
        >
          <Stack>
            <FormAlert>{general}</FormAlert>
            <Text size="sm">
              Key <code>{field.fieldKey}</code> · {typeLabel(field.fieldType)} (fixed once created)
            </Text>
            <TextInput label="Label" name="fieldLabel" required defaultValue={field.fieldLabel} error={errors.fieldLabel} />
            {hasOptions(field.fieldType) ? (
              <Textarea
                label="Options"
                name="options"
                description="One per line"
                autosize
                minRows={3}
                defaultValue={field.options.join('\n')}
                error={errors.options}
              />
            ) : null}
            <Checkbox label="Required" name="required" defaultChecked={field.required} description="Required when asked" />
            <NativeSelect
              label="Ask only when"
              name="showIfField"
              defaultValue={field.showIf?.fieldKey ?? ''}
              data={[{ value: '', label: 'Always' }, ...fields.filter((f) => f.id !== field.id).map((f) => ({ value: f.fieldKey, label: f.fieldLabel }))]}
              error={errors['showIf.fieldKey']}
            />
            <TextInput
              label="is one of"
              name="showIfValues"
              defaultValue={field.showIf?.values.join(', ') ?? ''}
              description="Comma-separated answers: true or false for a checkbox, the options of a list"
              error={errors['showIf.values']}
            />
            <Stack gap={4} role="group" aria-label="Ask only for these ticket types">
              <Text size="sm" fw={500}>
                Ask only for these ticket types
              </Text>
              <Text size="xs" c="dimmed">
                None ticked: every ticket type
              </Text>
              {ticketTypes.map((t) => (
                <Checkbox key={t.id} label={t.name} name={`ticketType-${t.id}`} defaultChecked={field.ticketTypeIds.includes(t.id)} />
              ))}
              {errors.ticketTypeIds ? (
                <Text size="xs" c="red">
                  {errors.ticketTypeIds}
                </Text>
              ) : null}
            </Stack>
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
