// Reads the server's change stream (/tab/api/events, Server-Sent Events) with fetch, so the
// identity travels in headers, and reconnects after any drop with Last-Event-ID = the last event
// seen: the server replays what was missed from the audit log, so no change is lost.

const STALL_MS = 40_000; // the server sends a heartbeat every 15 s

/**
 * Opens the stream. `after` is the audit seq the page's data is as of. Calls onEvent(change),
 * onReset() when the server says too much was missed (reload everything), onState(state) with
 * 'live' | 'reconnecting' | 'refused'. Returns { close() }.
 */
export function openLiveStream({ headers, after, onEvent, onReset, onState }) {
  let last = after;
  let closed = false;
  let controller = null;
  let failures = 0;

  const run = async () => {
    while (!closed) {
      controller = new AbortController();
      let stall = null;
      const armStall = () => {
        clearTimeout(stall);
        stall = setTimeout(() => controller.abort(), STALL_MS);
      };
      try {
        const response = await fetch('/tab/api/events', {
          headers: {
            ...(await headers()),
            accept: 'text/event-stream',
            ...(last !== null && last !== undefined ? { 'last-event-id': String(last) } : {}),
          },
          signal: controller.signal,
          cache: 'no-store',
        });
        if (!response.ok) {
          onState(response.status === 401 ? 'refused' : 'reconnecting');
          throw new Error(`HTTP ${response.status}`);
        }
        failures = 0;
        onState('live');
        armStall();
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          armStall();
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            dispatch(block);
          }
        }
      } catch {
        // dropped, refused or stalled: reconnect below
      } finally {
        clearTimeout(stall);
      }
      if (closed) return;
      onState('reconnecting');
      failures += 1;
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** (failures - 1), 10_000)));
    }
  };

  const dispatch = (block) => {
    let id = null;
    let type = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') type = value;
      else if (field === 'data') data += (data ? '\n' : '') + value;
    }
    if (id !== null && /^\d+$/.test(id)) last = Number(id);
    if (type === 'change') onEvent(JSON.parse(data));
    else if (type === 'reset') onReset();
  };

  run();
  return {
    close() {
      closed = true;
      controller?.abort();
    },
    get lastEventId() {
      return last;
    },
  };
}
