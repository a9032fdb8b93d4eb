import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Text, VisuallyHidden } from '@mantine/core';

/**
 * Registrations per day as bars (its own chunk: the charting library loads only on the overview), with the same
 * numbers as text for screen readers.
 */
export default function RegistrationsChart({ buckets, timezone }: { buckets: ReadonlyArray<{ start: string; count: number }>; timezone: string }) {
  const day = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, day: 'numeric', month: 'short' });
  const data = buckets.map((b) => ({ day: day.format(new Date(b.start)), Registrations: b.count }));
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  return (
    <figure style={{ margin: 0 }}>
      {/* The numbers are in the list below for screen readers; the drawing is neither read nor focusable. */}
      <div aria-hidden="true" inert>
        <BarChart
          h={220}
          data={data}
          dataKey="day"
          series={[{ name: 'Registrations', color: 'indigo.6' }]}
          tickLine="y"
          gridAxis="y"
          barChartProps={{ accessibilityLayer: false }}
        />
      </div>
      <Text component="figcaption" size="sm" c="dimmed">
        {total.toLocaleString('en')} registrations in the last 30 days.
      </Text>
      <VisuallyHidden>
        <ul>
          {buckets
            .filter((b) => b.count > 0)
            .map((b) => (
              <li key={b.start}>
                {day.format(new Date(b.start))}: {b.count}
              </li>
            ))}
        </ul>
      </VisuallyHidden>
    </figure>
  );
}
