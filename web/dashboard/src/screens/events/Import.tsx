import { Alert, Anchor, Badge, Button, Card, Checkbox, FileInput, Group, Progress, Stack, Table, Text, Title } from '@mantine/core';
import { useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { useMutation, useSubscription } from 'urql';
import { errorMessage, fieldErrors } from '../../api/errors.ts';
import { useQuery } from '../../api/query.ts';
import { EventHeader } from '../../components/EventHeader.tsx';
import { Loading } from '../../components/Loading.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { graphql } from '../../gql/index.ts';
import { downloadText } from '../../lib/download.ts';
import { formatDateTime } from '../../lib/time.ts';
import { useTitle } from '../../lib/title.ts';

graphql(`
fragment ImportJobFields on ImportJob {
  id
  status
  dryRun
  sendEmails
  total
  processed
  created
  skipped
  createdAt
  finishedAt
  errors {
    row
    field
    message
  }
}
`);

const ImportPageQuery = graphql(`
  query ImportPage($eventId: ID!) {
    event(id: $eventId) {
      id
      name
      status
      startsAt
      timezone
      venue
      customFields {
        id
        fieldKey
      }
    }
    importJobs(eventId: $eventId, first: 10) {
      edges {
        node {
          ...ImportJobFields
        }
      }
    }
  }
`);

const StartImport = graphql(`
  mutation StartImport($input: ImportAttendeesInput!) {
    importAttendees(input: $input) {
      ...ImportJobFields
    }
  }
`);

const ImportProgress = graphql(`
  subscription ImportProgress($jobId: ID!) {
    importProgress(jobId: $jobId) {
      ...ImportJobFields
    }
  }
`);

/** The API's limit (ImportAttendeesInput): refused here before uploading anything. */
const MAX_BYTES = 10 * 1024 * 1024;

type Job = {
  id: string;
  status: string;
  dryRun: boolean;
  sendEmails: boolean;
  total: number;
  processed: number;
  created: number;
  skipped: number;
  createdAt: string;
  finishedAt?: string | null;
  errors: ReadonlyArray<{ row: number; field: string; message: string }>;
};

/** CSV import: upload, optionally a dry run, progress live (importProgress), and every refused row with its reason. */
export function Import() {
  const { eventId } = useParams({ strict: false }) as { eventId: string };
  const [{ data, error }, reload] = useQuery({ query: ImportPageQuery, variables: { eventId }, requestPolicy: 'cache-and-network' });
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string>();
  const [started, start] = useMutation(StartImport);
  const jobId = started.data?.importAttendees.id;
  const [progress] = useSubscription({ query: ImportProgress, variables: { jobId: jobId ?? '' }, pause: !jobId });
  useTitle(data?.event ? `Import · ${data.event.name}` : 'Import');

  if (error && !data) return <QueryError error={error} retry={() => reload({ requestPolicy: 'network-only' })} />;
  const event = data?.event;
  if (!event || !data) return <Loading />;
  const job = (progress.data?.importProgress ?? started.data?.importAttendees) as Job | undefined;
  const columns = ['first_name', 'last_name', 'email', 'phone', 'country', 'ticket_type_slug', ...event.customFields.map((f) => f.fieldKey)];

  return (
    <Stack maw={1000}>
      <EventHeader event={event} title="Import" />
      <Card withBorder component="section" aria-labelledby="upload-title">
        <form
          onSubmit={async (submitted) => {
            submitted.preventDefault();
            const values = new FormData(submitted.currentTarget);
            if (!file) return setFileError('Choose a CSV file.');
            if (file.size > MAX_BYTES) return setFileError('The file is larger than 10 MB: split it into several imports.');
            setFileError(undefined);
            const csv = await file.text();
            await start({ input: { eventId, csv, dryRun: values.get('dryRun') === 'on', sendEmails: values.get('sendEmails') === 'on' } });
          }}
        >
          <Stack>
            <Title order={2} size="h3" id="upload-title">
              Import attendees from a CSV file
            </Title>
            <Text size="sm">
              Columns: <code>{columns.join(',')}</code> (a header row first; one attendee per row; up to 50,000 rows).{' '}
              <Anchor component="button" type="button" size="sm" onClick={() => downloadText(`${columns.join(',')}\n`, 'import-template.csv', 'text/csv')}>
                Download a template
              </Anchor>
            </Text>
            <FileInput
              label="CSV file"
              accept=".csv,text/csv"
              value={file}
              onChange={setFile}
              clearable
              clearButtonProps={{ 'aria-label': 'Remove the chosen file' }}
              error={fileError ?? fieldErrors(started.error).csv}
              placeholder="Choose a file"
            />
            <Checkbox name="dryRun" label="Dry run: check every row and write nothing" />
            <Checkbox name="sendEmails" label="Send each imported attendee the confirmation email" />
            {started.error && !fieldErrors(started.error).csv ? (
              <Alert color="red" role="alert">
                {errorMessage(started.error)}
              </Alert>
            ) : null}
            <Group justify="flex-end">
              <Button type="submit" loading={started.fetching}>
                Import CSV
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>

      {job ? <JobReport job={job} timezone={event.timezone} live /> : null}

      <Title order={2} size="h3">
        Earlier imports
      </Title>
      {data.importJobs.edges.length === 0 ? <Text c="dimmed">None yet.</Text> : null}
      {data.importJobs.edges
        .map((e) => e.node as Job)
        .filter((j) => j.id !== job?.id)
        .map((j) => (
          <JobReport key={j.id} job={j} timezone={event.timezone} />
        ))}
    </Stack>
  );
}

function JobReport({ job, timezone, live = false }: { job: Job; timezone: string; live?: boolean }) {
  const done = job.status === 'COMPLETED' || job.status === 'FAILED';
  const percent = job.total > 0 ? Math.round((job.processed / job.total) * 100) : done ? 100 : 0;
  return (
    <Card withBorder data-testid={live ? 'import-report' : undefined}>
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={600}>
            {job.dryRun ? 'Dry run' : 'Import'} of {formatDateTime(job.createdAt, timezone)}
          </Text>
          <Badge
            color={job.status === 'COMPLETED' ? 'teal.9' : job.status === 'FAILED' ? 'red.9' : 'blue.9'}
            variant="filled"
            data-testid={live ? 'import-status' : undefined}
          >
            {job.status.toLowerCase()}
          </Badge>
        </Group>
        <Progress value={percent} aria-label="Rows processed" animated={!done} />
        <Text size="sm" role={live ? 'status' : undefined} data-testid={live ? 'import-counts' : undefined}>
          {job.processed.toLocaleString('en')} of {job.total.toLocaleString('en')} rows processed · {job.created.toLocaleString('en')}{' '}
          {job.dryRun ? 'would be created' : 'created'} · {job.skipped.toLocaleString('en')} skipped
        </Text>
        {job.errors.length > 0 ? (
          <Table.ScrollContainer minWidth={500} mah={360}>
            <Table striped aria-label="Rows not imported">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Row</Table.Th>
                  <Table.Th scope="col">Field</Table.Th>
                  <Table.Th scope="col">Problem</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody data-testid={live ? 'import-errors' : undefined}>
                {job.errors.map((e) => (
                  <Table.Tr key={`${e.row}:${e.field}:${e.message}`}>
                    <Table.Td>{e.row}</Table.Td>
                    <Table.Td>
                      <code>{e.field}</code>
                    </Table.Td>
                    <Table.Td>{e.message}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
      </Stack>
    </Card>
  );
}
