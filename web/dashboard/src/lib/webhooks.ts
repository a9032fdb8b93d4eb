// What the dashboard knows of webhook payloads (no JSX: a test compares it with the server's list).

/** The payload's keys an endpoint may pick (Selected Fields); `trigger` is always sent. Kept with the API's description. */
export const PAYLOAD_FIELDS = [
  'event_id',
  'event_name',
  'attendee_id',
  'first_name',
  'last_name',
  'email',
  'phone',
  'country',
  'ticket_type',
  'status',
  'registered_at',
  'checked_in_at',
  'custom_data',
  'qr_code_url',
  // Opt-in: sent only when selected (an endpoint selecting nothing gets the seed's keys).
  'access_code',
] as const;
