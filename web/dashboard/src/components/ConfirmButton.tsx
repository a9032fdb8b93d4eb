import { Button, type ButtonProps, Group, Modal, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ReactNode } from 'react';

/** A button whose action asks first, in a dialog that names what will happen (focus moves into it and back). */
export function ConfirmButton(
  props: ButtonProps & {
    children: ReactNode;
    title: string;
    message: ReactNode;
    confirmLabel: string;
    onConfirm: () => Promise<unknown> | undefined;
    loading?: boolean;
  },
) {
  const { title, message, confirmLabel, onConfirm, children, loading, ...button } = props;
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <>
      <Button {...button} loading={loading} onClick={open}>
        {children}
      </Button>
      <Modal opened={opened} onClose={close} title={title} centered>
        <Stack>
          <Text size="sm">{message}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Keep it
            </Button>
            <Button
              color={button.color ?? 'red'}
              loading={loading}
              onClick={async () => {
                await onConfirm();
                close();
              }}
            >
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
