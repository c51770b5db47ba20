/**
 * Development tool, not product code (used by tests and scripts/fake-openai.ts).
 *
 * A fake OpenAI-compatible server on 127.0.0.1 that the real `openai` client talks to, so tests exercise the
 * wire protocol (JSON answers, SSE streaming, error statuses, hangs) without any network. Every request is
 * recorded; each response comes from a script queue, or, when the queue is empty, from a default responder
 * that cites the passage numbers it finds in the prompt so answers look real.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer to the next chat request. */
export type FakeResponse =
  /**
   * A normal answer: a JSON completion, or, when the request has `stream: true`, SSE chunks (one delta per
   * word) and `data: [DONE]`. `streamEnd` changes how a stream finishes after its deltas: `hang` keeps the
   * connection open without `[DONE]`, `drop` destroys the socket (a connection lost mid-answer).
   */
  | { content: string; streamEnd?: 'done' | 'hang' | 'drop'; finishReason?: 'stop' | 'length' }
  /** A raw HTTP answer, e.g. `{ status: 429, headers: { 'retry-after': '120' } }`. Body defaults to an OpenAI-style error. */
  | { status: number; headers?: Record<string, string>; body?: string }
  /** 200 with a body that is not a valid completion (truncated JSON, or a broken SSE event when streaming). */
  | { malformed: true }
  /**
   * 200 whose body is cut off: half a completion (its `content-length` promising all of it) or, when
   * streaming, a delta and half an event, then the socket is destroyed (a proxy or server dying mid-body).
   */
  | { cutBody: true }
  /** Accepts the request and never answers. */
  | { hang: true };

export interface RecordedRequest {
  method: string;
  /** Path with query, e.g. `/v1/chat/completions`. */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
}

export type DefaultResponder = (request: RecordedRequest) => FakeResponse;

export interface FakeOpenAI {
  /** Base URL ending in `/v1`, for `OPENAI_BASE_URL` or the client's `baseURL`. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order, including ones still hanging. */
  readonly requests: readonly RecordedRequest[];
  /** Queue responses for the next chat requests, in order. */
  enqueue(...responses: FakeResponse[]): void;
  /** The responder used when the queue is empty. */
  setDefault(responder: DefaultResponder): void;
  /** The next request not yet returned by nextRequest(), waiting for it if needed (rejects after timeoutMs). */
  nextRequest(timeoutMs?: number): Promise<RecordedRequest>;
  /** Closes the server and every open (hanging) connection. */
  close(): Promise<void>;
}

export interface StartFakeOpenAIOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  defaultResponder?: DefaultResponder;
}

/** Answers with a sentence citing the numbers `[n]` found in the request's messages, like a model would. */
export const citingResponder: DefaultResponder = (request) => {
  const numbers = [...new Set([...messageText(request.body).matchAll(/\[(\d{1,3})\]/g)].map((m) => Number(m[1])))]
    .sort((a, b) => a - b)
    .slice(0, 3);
  if (numbers.length === 0) return { content: 'The provided passages do not answer this question.' };
  const [first, ...rest] = numbers;
  const more = rest.length === 0 ? '' : ` Further detail appears in ${rest.map((n) => `[${n}]`).join(' ')}.`;
  return { content: `According to the passages, the papers address this question directly [${first}].${more}` };
};

export async function startFakeOpenAI(options: StartFakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = [];
  const queue: FakeResponse[] = [];
  let responder: DefaultResponder = options.defaultResponder ?? citingResponder;
  let cursor = 0;
  let completionCount = 0;
  const waiters = new Set<() => void>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: parseBody(text),
      };
      requests.push(recorded);
      for (const wake of [...waiters]) wake();
      const route = recorded.path.split('?')[0];

      if (recorded.method === 'POST' && route === '/v1/chat/completions') {
        const response = queue.shift() ?? responder(recorded);
        completionCount += 1;
        respond(res, recorded, response, `chatcmpl-fake-${completionCount}`);
      } else if (recorded.method === 'GET' && route === '/v1/models') {
        sendJson(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'fake' }] });
      } else {
        sendJson(res, 404, { error: { message: `No route ${recorded.method} ${route}`, type: 'invalid_request_error' } });
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    enqueue(...responses) {
      queue.push(...responses);
    },
    setDefault(next) {
      responder = next;
    },
    nextRequest(timeoutMs = 5_000) {
      return new Promise<RecordedRequest>((resolve, reject) => {
        const take = (): boolean => {
          const request = requests[cursor];
          if (request === undefined) return false;
          cursor += 1;
          resolve(request);
          return true;
        };
        if (take()) return;
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`fake OpenAI: no request arrived within ${timeoutMs} ms`));
        }, timeoutMs);
        const wake = (): void => {
          if (!take()) return;
          clearTimeout(timer);
          waiters.delete(wake);
        };
        waiters.add(wake);
      });
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Hanging requests keep their sockets open; close() alone would wait for them forever.
        server.closeAllConnections();
      });
    },
  };
}

function respond(res: http.ServerResponse, request: RecordedRequest, response: FakeResponse, id: string): void {
  const body = isRecord(request.body) ? request.body : {};
  const model = typeof body['model'] === 'string' ? body['model'] : 'fake-model';
  const streaming = body['stream'] === true;

  if ('hang' in response) return;
  if ('status' in response) {
    const headers = { 'content-type': 'application/json', ...response.headers };
    const text =
      response.body ?? JSON.stringify({ error: { message: `Fake error with status ${response.status}`, type: 'server_error', code: null } });
    res.writeHead(response.status, headers).end(text);
    return;
  }
  if ('malformed' in response) {
    if (streaming) {
      res.writeHead(200, { 'content-type': 'text/event-stream' }).end('data: {"id":"broken","choices":[{"delta":\n\n');
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"broken","object":"chat.completion","choices":[{"mess');
    }
    return;
  }

  const created = Math.floor(Date.now() / 1000);
  if ('cutBody' in response) {
    const whole = streaming
      ? `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: { content: 'The answer begins ' }, finish_reason: null }] })}\n\ndata: {"id":"${id}","choi`
      : JSON.stringify({ id, object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: 'An answer that never arrives whole.' }, finish_reason: 'stop' }] });
    const body = streaming ? whole : whole.slice(0, Math.floor(whole.length / 2));
    res.writeHead(200, streaming ? { 'content-type': 'text/event-stream' } : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(whole)) });
    res.write(body);
    // Give the bytes a moment to leave before the socket dies.
    setTimeout(() => res.socket?.destroy(), 20);
    return;
  }
  if (!streaming) {
    sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: response.content, refusal: null }, logprobs: null, finish_reason: response.finishReason ?? 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
    });
    return;
  }

  const chunk = (delta: Record<string, unknown>, finishReason: string | null): string =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] })}\n\n`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(chunk({ role: 'assistant', content: '' }, null));
  for (const piece of splitIntoDeltas(response.content)) res.write(chunk({ content: piece }, null));
  switch (response.streamEnd ?? 'done') {
    case 'hang':
      return;
    case 'drop':
      // Give the deltas a moment to leave before the socket dies, as when a proxy cuts a stream.
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    case 'done':
      res.write(chunk({}, response.finishReason ?? 'stop'));
      res.end('data: [DONE]\n\n');
  }
}

/** One delta per word (keeping its trailing space), so a stream always arrives in several pieces. */
function splitIntoDeltas(content: string): string[] {
  const pieces = content.match(/\s*\S+\s*/g);
  return pieces === null || pieces.length === 0 ? [content] : pieces;
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // A test may send a broken body on purpose; keep what arrived so it can assert on it.
    if (error instanceof SyntaxError) return text;
    throw error;
  }
}

function messageText(body: unknown): string {
  if (!isRecord(body) || !Array.isArray(body['messages'])) return '';
  return body['messages']
    .map((message: unknown) => (isRecord(message) && typeof message['content'] === 'string' ? message['content'] : ''))
    .join('\n');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
