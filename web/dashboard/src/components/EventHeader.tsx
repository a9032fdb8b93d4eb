import { Box, Group, Text, Title } from '@mantine/core';
import { formatDateTime } from '../lib/time.ts';
import { can, useViewer } from '../session.tsx';
import { AnchorLink, NavItem } from './links.tsx';
import { StatusBadge } from './StatusBadge.tsx';

export interface HeaderEvent {
  id: string;
  name: string;
  status: string;
  startsAt: string;
  timezone: string;
  venue?: string | null | undefined;
}

/**
 * An event's name, when and where, and its sections. Each screen's own query brings the few fields this needs, so
 * a screen still loads in one request. Door staff see only the check-in desk.
 */
export function EventHeader({ event, title }: { event: HeaderEvent; title: string }) {
  const manage = can(useViewer().role, 'manage');
  const params = { eventId: event.id };
  const exact = { exact: true, includeSearch: false };
  return (
    <Box mb="lg">
      <AnchorLink to="/events" size="sm">
        ← Events
      </AnchorLink>
      <Group gap="sm" mt={4} align="center">
        <Title order={1}>{title}</Title>
        {/* The event's status beside the event's name only: next to an attendee's name it would read as theirs. */}
        {title === event.name ? <StatusBadge status={event.status} /> : null}
      </Group>
      <Text c="dimmed" size="sm">
        {title === event.name ? '' : `${event.name}${event.status === 'PUBLISHED' ? '' : ` (${event.status.toLowerCase()})`} · `}
        {formatDateTime(event.startsAt, event.timezone)} ({event.timezone}){event.venue ? ` · ${event.venue}` : ''}
      </Text>
      <Box component="nav" aria-label="Event" mt="sm">
        <Group gap={4} wrap="wrap">
          {manage ? <NavItem to="/events/$eventId" params={params} label="Overview" activeOptions={exact} w="auto" /> : null}
          {manage ? <NavItem to="/events/$eventId/attendees" params={params} label="Attendees" activeOptions={exact} w="auto" /> : null}
          {manage ? <NavItem to="/events/$eventId/waitlist" params={params} label="Waitlist & approvals" activeOptions={exact} w="auto" /> : null}
          {manage ? <NavItem to="/events/$eventId/access" params={params} label="Access codes & quotas" activeOptions={exact} w="auto" /> : null}
          <NavItem to="/events/$eventId/check-in" params={params} label="Check-in desk" activeOptions={exact} w="auto" />
          {manage ? <NavItem to="/events/$eventId/import" params={params} label="Import" activeOptions={exact} w="auto" /> : null}
          {manage ? <NavItem to="/events/$eventId/door" params={params} label="Door" activeOptions={exact} w="auto" /> : null}
          {manage ? <NavItem to="/events/$eventId/settings" params={params} label="Event Settings" activeOptions={exact} w="auto" /> : null}
        </Group>
      </Box>
    </Box>
  );
}
