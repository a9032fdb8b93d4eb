import { Badge } from '@mantine/core';

/** Filled with each colour's 9th shade (gray's 7th): white text on them passes WCAG AA (≥ 4.5:1) at badge size. */
const COLOURS: Record<string, string> = {
  PUBLISHED: 'teal.9',
  DRAFT: 'gray.7',
  CANCELLED: 'red.9',
  REGISTERED: 'blue.9',
  CHECKED_IN: 'teal.9',
  NO_SHOW: 'gray.7',
  WAITLISTED: 'violet.9',
  OFFERED: 'indigo.9',
  PENDING_APPROVAL: 'orange.9',
  DECLINED: 'red.9',
};

const LABELS: Record<string, string> = {
  PUBLISHED: 'Published',
  DRAFT: 'Draft',
  CANCELLED: 'Cancelled',
  REGISTERED: 'Registered',
  CHECKED_IN: 'Checked in',
  NO_SHOW: 'No-show',
  WAITLISTED: 'Waitlisted',
  OFFERED: 'Seat offered',
  PENDING_APPROVAL: 'Pending approval',
  DECLINED: 'Declined',
};

export const statusLabel = (status: string) => LABELS[status] ?? status;

/** Event and attendee statuses as words with a colour (the colour never carries the meaning alone). */
export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={COLOURS[status] ?? 'gray.7'} variant="filled">
      {statusLabel(status)}
    </Badge>
  );
}
