// The init handshake: the workspace's init script POSTs its PID namespace
// inode (decimal, text/plain or no Content-Type, at most 16 bytes). We answer
// 204 only after tracing of that namespace is live — so nothing the script
// runs after its curl returns can be missed — and then stop listening.
// Anything else gets a 4xx with a plain-text reason and we keep waiting;
// slow or stuck clients time out without holding up anyone else.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface HandshakeOptions {
  host: string;
  port: number;
  /** Give up after this long (ms). */
  timeoutMs: number;
  /** Makes tracing of the namespace live; the 204 is sent after it returns. */
  accept: (inode: number) => void | Promise<void>;
  /** Told about each refused request (for the log). */
  onRefused?: (status: number, reason: string, remote: string) => void;
  /** Told once the server listens (address actually bound). */
  onListening?: (address: string) => void;
  signal?: AbortSignal;
  /** Per-request time limit (ms) for headers and body. Default 10 s. */
  requestTimeoutMs?: number;
}

export class HandshakeError extends Error {}

const MAX_BODY = 16;

export function awaitHandshake(opts: HandshakeOptions): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let done = false;
    let busy = false;
    const requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    const server = createServer({ requestTimeout: requestTimeoutMs, headersTimeout: Math.min(requestTimeoutMs, 10_000), keepAliveTimeout: 1000 });
    server.maxHeadersCount = 32;

    const finish = (err: Error | undefined, inode?: number) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      server.close();
      server.closeIdleConnections();
      if (err) {
        server.closeAllConnections();
        reject(err);
      } else {
        resolve(inode!);
      }
    };
    const timer = setTimeout(() => {
      finish(new HandshakeError(`no valid init handshake (POST of the PID namespace inode to http://${opts.host}:${opts.port}/) within ${opts.timeoutMs >= 1000 ? `${Math.round(opts.timeoutMs / 1000)} s` : `${opts.timeoutMs} ms`}`));
    }, opts.timeoutMs);
    const onAbort = () => finish(new HandshakeError('stopped while waiting for the init handshake'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const refuse = (req: IncomingMessage, res: ServerResponse, status: number, reason: string, headers: Record<string, string> = {}) => {
      opts.onRefused?.(status, reason, `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`);
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close', ...headers });
      res.end(`${reason}\n`);
    };

    server.on('request', (req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/') return refuse(req, res, 404, `not found: POST the PID namespace inode to /`);
      if (req.method !== 'POST') return refuse(req, res, 405, `method ${req.method ?? '?'} not allowed: POST the PID namespace inode`, { Allow: 'POST' });
      const type = req.headers['content-type'];
      if (type !== undefined && !/^text\/plain\s*(;.*)?$/i.test(type)) {
        return refuse(req, res, 415, `Content-Type must be text/plain (or absent), not ${type}`);
      }
      const declared = Number(req.headers['content-length'] ?? '0');
      if (declared > MAX_BODY) {
        refuse(req, res, 413, `body too large: at most ${MAX_BODY} bytes (a decimal PID namespace inode)`);
        req.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          if (!res.headersSent) refuse(req, res, 413, `body too large: at most ${MAX_BODY} bytes (a decimal PID namespace inode)`);
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => {
        if (size > MAX_BODY || res.headersSent) return;
        const text = Buffer.concat(chunks).toString('utf8').trim();
        if (!/^\d{1,10}$/.test(text) || Number(text) === 0 || Number(text) > 0xffffffff) {
          return refuse(req, res, 400, `body must be the PID namespace inode as a decimal integer from 1 to 4294967295, got ${JSON.stringify(text.slice(0, MAX_BODY))}`);
        }
        if (done || busy) return refuse(req, res, 409, 'a handshake was already accepted');
        busy = true;
        const inode = Number(text);
        Promise.resolve()
          .then(() => opts.accept(inode))
          .then(
            () => {
              res.writeHead(204, { Connection: 'close' });
              res.end(() => finish(undefined, inode));
            },
            (e: unknown) => {
              busy = false;
              refuse(req, res, 500, `could not start tracing namespace ${inode}: ${(e as Error).message}`);
              finish(e as Error);
            },
          );
      });
    });
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nmalformed request\n');
      else socket.destroy();
    });
    server.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'EADDRINUSE' ? 'the address is in use' : e.code === 'EADDRNOTAVAIL' ? 'no such local address' : e.message;
      finish(new HandshakeError(`cannot listen on ${opts.host}:${opts.port} for the init handshake: ${why}`));
    });
    server.listen(opts.port, opts.host, () => {
      const a = server.address();
      opts.onListening?.(typeof a === 'object' && a ? `${a.address}:${a.port}` : String(a));
    });
  });
}
