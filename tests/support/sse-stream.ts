/**
 * A tab's live stream (`GET /tab/api/events`) read as the page reads it, with fetch, in the
 * background: every `event:` frame is kept with the time its bytes arrived, so a test can check what
 * each open tab received, in which order, and how long after the change.
 */

/** One SSE frame with an `event:` field; `data` is the parsed JSON. */
export interface SseFrame {
  id: string;
  event: string;
  // The stream's JSON, read loosely: the tests say what they expect of it.
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Date.now() when the chunk holding the frame arrived. */
  receivedAt: number;
}

export interface SseStream {
  /** Every frame so far, in arrival order. */
  readonly frames: SseFrame[];
  /** Resolves once `test(frames)` holds; rejects after `timeoutMs` with what arrived. */
  until(test: (frames: SseFrame[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Disconnects, as a page that goes away. */
  close(): void;
}

/** Parses one SSE block (the lines between blank lines); comment lines and blocks without an event are skipped. */
function parseBlock(block: string, receivedAt: number): SseFrame | undefined {
  const fields: Record<string, string> = {};
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  if (!fields.event) return undefined;
  return { id: fields.id ?? '', event: fields.event, data: JSON.parse(fields.data ?? 'null'), receivedAt };
}

/**
 * Opens the stream at `url` with `headers` and resolves once the service has greeted it (the
 * `: hello` comment, written after the stream is subscribed to the instance's hub), so a change
 * committed from then on must arrive.
 */
export async function openSseStream(url: string, headers: Record<string, string>): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  if (response.status !== 200 || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
    controller.abort();
    throw new Error(`${url} answered ${response.status} ${response.headers.get('content-type')}`);
  }
  const frames: SseFrame[] = [];
  const listeners = new Set<() => void>();
  let greeted: () => void = () => undefined;
  const hello = new Promise<void>((resolve) => (greeted = resolve));
  let ended: Error | undefined;

  void (async () => {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const receivedAt = Date.now();
        buffer += value;
        if (buffer.includes(': hello')) greeted();
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = parseBlock(buffer.slice(0, end), receivedAt);
          buffer = buffer.slice(end + 2);
          if (frame) frames.push(frame);
        }
        for (const listener of listeners) listener();
      }
      ended = new Error(`${url}: the service ended the stream`);
    } catch (error) {
      ended = controller.signal.aborted ? new Error(`${url}: closed`) : (error as Error);
    }
    for (const listener of listeners) listener();
  })();

  let greetingTimer: NodeJS.Timeout | undefined;
  const greetingMissing = new Promise<boolean>((resolve) => {
    greetingTimer = setTimeout(() => resolve(true), 5_000);
  });
  const missing = await Promise.race([hello.then(() => false), greetingMissing]);
  clearTimeout(greetingTimer);
  if (missing) {
    controller.abort();
    throw new Error(`${url}: no greeting within 5 s`);
  }

  return {
    frames,
    until(test, timeoutMs = 5_000) {
      return new Promise<void>((resolve, reject) => {
        const finish = (error?: Error) => {
          listeners.delete(check);
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          if (test(frames)) finish();
          else if (ended) finish(new Error(`${ended.message}; frames: ${JSON.stringify(frames)}`));
        };
        const timer = setTimeout(
          () => finish(new Error(`${url}: not within ${timeoutMs} ms; frames: ${JSON.stringify(frames)}`)),
          timeoutMs,
        );
        listeners.add(check);
        check();
      });
    },
    close() {
      controller.abort();
    },
  };
}
