import { createClient as createSocket } from 'graphql-ws';
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';

/**
 * The one GraphQL client. The session is an HttpOnly cookie the server sets on logIn (never readable by a
 * script, never in localStorage): every request says `X-EventoGate-Session: cookie`, which also proves it came
 * from this origin (another site cannot send that header without a CORS preflight, which /graphql refuses).
 * Live numbers use graphql-ws on the same path; the browser sends the cookie with the handshake. The socket
 * reconnects by itself, forever, after a server restart or a network loss.
 */
const socketUrl = `${window.location.protocol === 'https:' ? 'wss:' : 'ws:'}//${window.location.host}/graphql`;

/** Listeners told whether the live connection is up (the overview shows it). */
const liveListeners = new Set<(connected: boolean) => void>();
let liveConnected = false;
const setLive = (connected: boolean) => {
  liveConnected = connected;
  for (const listener of liveListeners) listener(connected);
};

export const socket = createSocket({
  url: socketUrl,
  lazy: true,
  retryAttempts: Number.POSITIVE_INFINITY,
  shouldRetry: () => true,
  // 0.5 s, 1 s, 2 s … up to 5 s, with jitter: a restarted server is found again within seconds.
  retryWait: async (retries) => {
    await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 500 * 2 ** retries) + Math.random() * 300));
  },
  on: {
    connected: () => setLive(true),
    closed: () => setLive(false),
  },
});

export function onLiveConnection(listener: (connected: boolean) => void): () => void {
  liveListeners.add(listener);
  listener(liveConnected);
  return () => liveListeners.delete(listener);
}

/** Ends the socket (log out, switch organisation): the next subscription opens one with the new cookie. */
export function restartLive(): void {
  socket.terminate();
}

export const client = new Client({
  url: '/graphql',
  preferGetMethod: false,
  fetchOptions: { credentials: 'same-origin', headers: { 'X-EventoGate-Session': 'cookie' } },
  exchanges: [
    cacheExchange,
    fetchExchange,
    subscriptionExchange({
      forwardSubscription(request) {
        const input = { ...request, query: request.query ?? '' };
        return {
          subscribe(sink) {
            const unsubscribe = socket.subscribe(input, sink);
            return { unsubscribe };
          },
        };
      },
    }),
  ],
});
