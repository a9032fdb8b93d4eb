import { createServer } from 'node:net';

/** The address cannot be listened on; the message names the setting that fixes it. */
export class PortUnavailableError extends Error {}

export function portError(error: NodeJS.ErrnoException, host: string, port: number, variable = 'PORT'): Error {
  if (error.code === 'EADDRINUSE') {
    return new PortUnavailableError(`port ${port} on ${host} is already in use: stop whatever uses it, or set ${variable} to a free port.`);
  }
  if (error.code === 'EACCES') return new PortUnavailableError(`port ${port} on ${host} needs privileges: set ${variable} to a port above 1023.`);
  if (error.code === 'EADDRNOTAVAIL') return new PortUnavailableError(`${host} is not an address of this machine: set HOST to one that is.`);
  return error;
}

/**
 * Checks that HOST:PORT can be listened on before anything else starts (an embedded database created and migrated
 * for nothing, then a stack trace, was the old way of saying "port in use"). The real listen reports the same way.
 */
export async function assertPortAvailable(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) => reject(portError(error, host, port)));
    probe.listen(port, host, () => resolve());
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
