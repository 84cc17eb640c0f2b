// The output envelope of the original tool, written with pino:
//   {"ts":"…Z","level":"INFO","msg":"exec","fields":{…}}
// `ts` comes first and may be given per line (an exec's kernel time): pino's
// timestamp hook (called per line, written first when the level chunk is
// empty) emits it; level and msg are written by us, in the original's order.
import pino from 'pino';
import { monotonicToWallNs, rfc3339Nano } from './clock.ts';

export type Level = 'info' | 'warn' | 'error';

export interface EnvelopeLogger {
  log(level: Level, msg: string, fields?: Record<string, unknown>, ts?: string): void;
  /**
   * The hot path: an INFO "exec" line, same envelope, serialised with
   * JSON.stringify and written to pino's own destination (so it stays in
   * order with every other line) — pino's generic serialiser costs ~4× more
   * for an event with a long argv.
   */
  exec(fields: Record<string, unknown>, ts: string): void;
  /** A complete line (see format.ts's execLineJson), queued like exec(). */
  line(text: string): void;
  /** Writes the exec lines buffered so far. */
  endBatch(): void;
  /** Writes everything buffered; resolves when it is on its way to fd 1. */
  flush(): Promise<void>;
}

const LEVELS: Record<Level, string> = { info: 'INFO', warn: 'WARN', error: 'ERROR' };

export function nowTs(): string {
  return rfc3339Nano(monotonicToWallNs(process.hrtime.bigint()));
}

/**
 * Exec lines are collected and handed to the stream once per drained batch
 * (`endBatch`), or before a diagnostic so the order holds: one write per
 * batch instead of one per line.
 */
/**
 * Where the lines go, as bytes. The default is pino's asynchronous
 * destination (sonic-boom) in buffer mode: a batch of exec lines is joined
 * and encoded once, here, where in text mode sonic-boom would measure the
 * string's byte length twice and encode it again when writing.
 */
export interface ByteSink {
  write(chunk: Buffer): unknown;
  flush?(cb: (err?: Error | null) => void): void;
}

/** pino's destination (sonic-boom) in buffer mode, on a file descriptor or path. */
export function byteDestination(where: { fd: number } | { dest: string }, sync = false): ByteSink {
  // sonic-boom's typings only describe text mode; in buffer mode write() takes a Buffer.
  return pino.destination({ ...where, sync, contentMode: 'buffer' }) as unknown as ByteSink;
}

export function createLogger(dest: ByteSink = byteDestination({ fd: 1 })): EnvelopeLogger {
  const pending: string[] = [];
  const writePending = () => {
    if (pending.length === 0) return;
    dest.write(Buffer.from(pending.join('')));
    pending.length = 0;
  };
  // pino writes strings; the sink takes bytes (diagnostics are rare: no batching).
  const pinoStream = {
    write: (line: string) => dest.write(Buffer.from(line)),
    flush: (cb: (err?: Error | null) => void) => (dest.flush ? dest.flush(cb) : cb()),
  };
  const prefix = '{"ts":"';
  let ts: string | undefined;
  const p = pino(
    {
      base: null,
      timestamp: () => `"ts":"${ts ?? nowTs()}"`,
      // msg and level are part of our object, in their places; pino's own are unused.
      messageKey: '__pino_msg',
      formatters: { level: () => ({}) },
    },
    pinoStream as unknown as pino.DestinationStream,
  );
  return {
    log(level, msg, fields, at) {
      writePending();
      ts = at;
      const upper = LEVELS[level];
      p[level](fields === undefined ? { level: upper, msg } : { level: upper, msg, fields });
      ts = undefined;
    },
    line(text) {
      pending.push(text);
    },
    endBatch: writePending,
    exec(fields, at) {
      pending.push(`${prefix}${at}","level":"INFO","msg":"exec","fields":${JSON.stringify(fields)}}\n`);
    },
    flush() {
      writePending();
      return new Promise<void>((resolve) => p.flush(() => resolve()));
    },
  };
}
