import { Button, Code, CopyButton, Group, Tooltip } from '@mantine/core';

/**
 * A value shown in full (selectable) with a "Copy" button that says when it worked. `label` names the button for
 * screen readers where a page has several ("Copy UUID"); the page's main one is just "Copy".
 */
export function CopyValue({ value, testId, label }: { value: string; testId?: string; label?: string }) {
  return (
    <Group gap="xs" wrap="nowrap" align="center">
      <Code data-testid={testId} fz="sm" style={{ wordBreak: 'break-all' }}>
        {value}
      </Code>
      <CopyButton value={value} timeout={2000}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? 'Copied' : `Copy ${label ?? 'to the clipboard'}`} withArrow>
            <Button
              size="compact-sm"
              variant={copied ? 'filled' : 'default'}
              color={copied ? 'teal' : undefined}
              onClick={copy}
              aria-label={label ? `Copy ${label}` : 'Copy'}
              // A long value wraps; the button keeps its size.
              style={{ flexShrink: 0 }}
            >
              {copied ? 'Copied' : 'Copy'}
            </Button>
          </Tooltip>
        )}
      </CopyButton>
    </Group>
  );
}
