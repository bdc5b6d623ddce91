// Calls to /tab/api with the user's identity on every request. Errors carry the server's words.

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** An API client over `headers()` (see identityHeaders in teams-host.js). */
export function createApi(headers) {
  const call = async (method, path, { query, body } = {}) => {
    const url = new URL(`/tab/api${path}`, location.origin);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
    }
    const response = await fetch(url, {
      method,
      headers: {
        ...(await headers()),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let data;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = { error: text };
    }
    if (!response.ok) {
      throw new ApiError(
        response.status,
        data?.reason ?? data?.error ?? `HTTP ${response.status}`,
        data?.code,
      );
    }
    return data;
  };
  return {
    headers,
    get: (path, query) => call('GET', path, { query }),
    post: (path, body, query) => call('POST', path, { body: body ?? {}, query }),
    put: (path, body, query) => call('PUT', path, { body: body ?? {}, query }),
    del: (path, query) => call('DELETE', path, { query, body: {} }),
  };
}
