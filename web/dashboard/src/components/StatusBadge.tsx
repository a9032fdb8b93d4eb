import { Badge } from '@mantine/core';

const COLOURS: Record<string, string> = {
  PUBLISHED: 'green',
  DRAFT: 'gray',
  CANCELLED: 'red',
  REGISTERED: 'blue',
  CHECKED_IN: 'green',
  NO_SHOW: 'gray',
};

const LABELS: Record<string, string> = {
  PUBLISHED: 'Published',
  DRAFT: 'Draft',
  CANCELLED: 'Cancelled',
  REGISTERED: 'Registered',
  CHECKED_IN: 'Checked in',
  NO_SHOW: 'No-show',
};

export const statusLabel = (status: string) => LABELS[status] ?? status;

/** Event and attendee statuses as words with a colour (the colour never carries the meaning alone). */
export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={COLOURS[status] ?? 'gray'} variant="light" autoContrast>
      {statusLabel(status)}
    </Badge>
  );
}
