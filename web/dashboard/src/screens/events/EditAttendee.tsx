import { Button, Checkbox, Group, Modal, MultiSelect, NativeSelect, SimpleGrid, Stack, Textarea, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useMutation } from 'urql';
import { fieldErrors, formError } from '../../api/errors.ts';
import { FormAlert } from '../../components/FormAlert.tsx';
import { graphql } from '../../gql/index.ts';
import { formValues } from '../../lib/forms.ts';

const UpdateAttendee = graphql(`
  mutation UpdateAttendee($input: UpdateAttendeeInput!) {
    updateAttendee(input: $input) {
      id
      firstName
      lastName
      email
      phone
      country
      customData
      ticketType {
        id
        name
        slug
      }
    }
  }
`);

interface Field {
  id: string;
  fieldKey: string;
  fieldLabel: string;
  fieldType: string;
  required: boolean;
  options: readonly string[];
}

interface EditableAttendee {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  phone?: string | null;
  country?: string | null;
  ticketType: { slug: string };
  customFields: ReadonlyArray<{ field: Field; value?: unknown }>;
}

const BASE_FIELDS = ['firstName', 'lastName', 'email', 'phone', 'country', 'ticketTypeSlug'];

/** Edits under the registration rules (the API validates; its messages appear next to each field, answers too). */
export function EditAttendee(props: {
  opened: boolean;
  attendee: EditableAttendee;
  ticketTypes: ReadonlyArray<{ id: string; name: string; slug: string }>;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { attendee } = props;
  const [state, update] = useMutation(UpdateAttendee);
  const [multi, setMulti] = useState<Record<string, string[]>>(() =>
    Object.fromEntries(attendee.customFields.filter((c) => c.field.fieldType === 'MULTI_SELECT').map((c) => [c.field.fieldKey, (c.value as string[]) ?? []])),
  );
  const errors = fieldErrors(state.error);
  const general = formError(state.error, [...BASE_FIELDS, ...attendee.customFields.map((c) => `customData.${c.field.fieldKey}`)]);
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={`Edit ${attendee.firstName} ${attendee.lastName}`} size="xl" centered>
      <form
        noValidate
        onSubmit={async (event) => {
          const values = formValues(event);
          const customData: Record<string, unknown> = {};
          for (const { field } of attendee.customFields) {
            const raw = values[`custom.${field.fieldKey}`];
            if (field.fieldType === 'CHECKBOX') customData[field.fieldKey] = raw === 'on';
            else if (field.fieldType === 'MULTI_SELECT') customData[field.fieldKey] = multi[field.fieldKey] ?? [];
            else if (raw === undefined || raw.trim() === '') continue;
            else if (field.fieldType === 'NUMBER') customData[field.fieldKey] = Number(raw);
            else customData[field.fieldKey] = raw;
          }
          const result = await update({
            input: {
              attendeeId: attendee.id,
              firstName: values.firstName,
              lastName: values.lastName,
              email: values.email,
              phone: values.phone?.trim() ? values.phone : null,
              country: values.country?.trim() ? values.country.trim().toUpperCase() : null,
              ticketTypeSlug: values.ticketTypeSlug,
              customData,
            },
          });
          if (result.data) props.onSaved();
        }}
      >
        <Stack>
          <FormAlert>{general}</FormAlert>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="First name" name="firstName" required defaultValue={attendee.firstName} error={errors.firstName} />
            <TextInput label="Last name" name="lastName" required defaultValue={attendee.lastName} error={errors.lastName} />
            <TextInput label="Email" name="email" type="email" required defaultValue={attendee.email} error={errors.email} />
            <TextInput label="Phone" name="phone" type="tel" defaultValue={attendee.phone ?? ''} error={errors.phone} />
            <TextInput
              label="Country"
              name="country"
              description="Two letters (ISO 3166-1), e.g. GB"
              maxLength={2}
              defaultValue={attendee.country ?? ''}
              error={errors.country}
            />
            <NativeSelect
              label="Ticket type"
              name="ticketTypeSlug"
              defaultValue={attendee.ticketType.slug}
              data={props.ticketTypes.map((t) => ({ value: t.slug, label: t.name }))}
              error={errors.ticketTypeSlug}
            />
          </SimpleGrid>
          {attendee.customFields.map(({ field, value }) => {
            const common = {
              label: field.fieldLabel,
              name: `custom.${field.fieldKey}`,
              required: field.required,
              error: errors[`customData.${field.fieldKey}`],
            };
            switch (field.fieldType) {
              case 'CHECKBOX':
                return <Checkbox key={field.id} {...common} defaultChecked={value === true} />;
              case 'SELECT':
                return <NativeSelect key={field.id} {...common} defaultValue={typeof value === 'string' ? value : ''} data={['', ...field.options]} />;
              case 'MULTI_SELECT':
                return (
                  <MultiSelect
                    key={field.id}
                    label={field.fieldLabel}
                    required={field.required}
                    error={common.error}
                    data={[...field.options]}
                    value={multi[field.fieldKey] ?? []}
                    onChange={(selected) => setMulti((m) => ({ ...m, [field.fieldKey]: selected }))}
                  />
                );
              case 'TEXTAREA':
                return <Textarea key={field.id} {...common} autosize minRows={2} defaultValue={value === null || value === undefined ? '' : String(value)} />;
              default:
                return (
                  <TextInput
                    key={field.id}
                    {...common}
                    type={field.fieldType === 'NUMBER' ? 'number' : field.fieldType === 'EMAIL' ? 'email' : field.fieldType === 'URL' ? 'url' : 'text'}
                    description={field.fieldType === 'DATE' ? 'YYYY-MM-DD' : field.fieldType === 'COUNTRY' ? 'Two letters, e.g. GB' : undefined}
                    defaultValue={value === null || value === undefined ? '' : String(value)}
                  />
                );
            }
          })}
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={state.fetching}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
