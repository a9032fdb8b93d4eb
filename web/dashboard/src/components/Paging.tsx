import { Button, Group, Text } from '@mantine/core';

/** Cursor paging (Relay): forward by `endCursor`, and back to the first page. Without a total, the page's count. */
export function Paging(props: {
  total?: number | undefined;
  shown: number;
  hasNext: boolean;
  onNext: () => void;
  onFirst?: (() => void) | undefined;
  noun: string;
  plural?: string;
}) {
  return (
    <Group justify="space-between" mt="md">
      <Text size="sm" c="dimmed" aria-live="polite">
        {props.total === undefined
          ? `${props.shown.toLocaleString('en')} ${props.shown === 1 ? props.noun : (props.plural ?? `${props.noun}s`)} on this page`
          : `${props.total.toLocaleString('en')} ${props.total === 1 ? props.noun : (props.plural ?? `${props.noun}s`)}${
              props.shown < props.total ? `, ${props.shown.toLocaleString('en')} on this page` : ''
            }`}
      </Text>
      <Group gap="xs">
        {props.onFirst ? (
          <Button variant="default" size="xs" onClick={props.onFirst}>
            First page
          </Button>
        ) : null}
        <Button variant="default" size="xs" disabled={!props.hasNext} onClick={props.onNext}>
          Next page
        </Button>
      </Group>
    </Group>
  );
}
