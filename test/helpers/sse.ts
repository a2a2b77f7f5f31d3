/**
 * A server-sent events client for tests: reads `GET /events` with fetch and collects the
 * events, so a test can wait for one that matches.
 */
import { waitFor } from './wait.js';

export interface SseEvent {
  event: string;
  data: any;
}

export interface SseClient {
  events: SseEvent[];
  /** Comment lines (heartbeats) seen so far. */
  comments: string[];
  next(predicate: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  if (response.status !== 200) throw new Error(`event stream answered ${response.status}: ${await response.text()}`);
  const client: SseClient = {
    events: [],
    comments: [],
    next: (predicate, timeoutMs = 15_000) => waitFor(() => client.events.find(predicate), { timeoutMs, message: 'a matching server-sent event' }),
    close: () => controller.abort(),
  };
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          client.comments.push(...lines.filter((line) => line.startsWith(':')));
          const event = lines.find((line) => line.startsWith('event: '))?.slice(7);
          const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
          if (event && data) client.events.push({ event, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  await client.next((event) => event.event === 'ready');
  return client;
}
