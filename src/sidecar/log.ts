// The output envelope of the original tool, written with pino:
//   {"ts":"…Z","level":"INFO","msg":"exec","fields":{…}}
// `ts` comes first and may be given per line (an exec's kernel time): pino's
// timestamp hook (called per line, written first when the level chunk is
// empty) emits it; level and msg are written by us, in the original's order.
import pino from 'pino';
import { monotonicToWallNs, rfc3339Nano } from './clock.ts';
import { LineBuffer } from './line-buffer.ts';

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
  /** The queued lines' bytes: exec-line-bytes.ts appends to it directly. */
  readonly lines: LineBuffer;
  /** Writes the exec lines buffered so far. */
  endBatch(): void;
  /** Writes everything buffered; resolves once the sink has written it all (a sink that does not count: when its flush says so). */
  flush(): Promise<void>;
}

const LEVELS: Record<Level, string> = { info: 'INFO', warn: 'WARN', error: 'ERROR' };

export function nowTs(): string {
  return rfc3339Nano(monotonicToWallNs(process.hrtime.bigint()));
}

/**
 * Where the lines go, as bytes. The default is pino's asynchronous
 * destination (sonic-boom) in buffer mode. Exec lines are collected as bytes
 * (a LineBuffer) and handed to it once per drained batch (`endBatch`), or
 * before a diagnostic so the order holds: one write per batch, and nothing
 * encoded twice (in text mode sonic-boom would measure each string's byte
 * length twice and encode it again when writing).
 */
export interface ByteSink {
  write(chunk: Buffer): unknown;
  flush?(cb: (err?: Error | null) => void): void;
  /**
   * True when the sink emits 'write' with the number of bytes it has
   * written, as sonic-boom does: batches are then reused once written, and
   * flush() waits for that count.
   */
  reportsWrites?: boolean;
  on?(event: 'write', listener: (bytes: number) => void): unknown;
}

/** pino's destination (sonic-boom) in buffer mode, on a file descriptor or path. */
export function byteDestination(where: { fd: number } | { dest: string }, sync = false): ByteSink {
  // sonic-boom's typings only describe text mode; in buffer mode write() takes a Buffer.
  const sonic = pino.destination({ ...where, sync, contentMode: 'buffer' }) as unknown as ByteSink;
  sonic.reportsWrites = true;
  return sonic;
}

/** Batches handed to the sink and not yet known to be written: at most this many are remembered. */
const IN_FLIGHT_MAX = 16;

export function createLogger(dest: ByteSink = byteDestination({ fd: 1 })): EnvelopeLogger {
  const pending = new LineBuffer();
  // Every byte handed to the sink is counted, so that the sink's count of
  // bytes written tells which batches it no longer holds. A sink that does
  // not count (or drops bytes) only delays reuse: never too early.
  let handed = 0;
  let written = 0;
  const inFlight: { end: number; batch: Buffer }[] = [];
  const counts = dest.reportsWrites === true && typeof dest.on === 'function';
  let whenWritten: (() => void)[] = [];
  if (counts) dest.on!('write', (n) => {
    written += n;
    while (inFlight.length > 0 && inFlight[0]!.end <= written) pending.recycle(inFlight.shift()!.batch);
    if (written >= handed && whenWritten.length > 0) {
      const done = whenWritten;
      whenWritten = [];
      for (const f of done) f();
    }
  });
  const send = (chunk: Buffer, batch: boolean) => {
    handed += chunk.length;
    if (batch && counts) {
      inFlight.push({ end: handed, batch: chunk });
      if (inFlight.length > IN_FLIGHT_MAX) inFlight.shift();
    }
    dest.write(chunk);
  };
  const writePending = () => {
    if (!pending.empty) send(pending.take(), true);
  };
  // pino writes strings; the sink takes bytes (diagnostics are rare: no batching).
  const pinoStream = {
    write: (line: string) => send(Buffer.from(line), false),
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
      pending.append(text);
    },
    lines: pending,
    endBatch: writePending,
    exec(fields, at) {
      pending.append(`${prefix}${at}","level":"INFO","msg":"exec","fields":${JSON.stringify(fields)}}\n`);
    },
    flush() {
      writePending();
      // sonic-boom's own flush(cb) calls back at once when minLength is 0
      // (its default), with writes still queued: a process exiting then
      // would lose them. Its count of written bytes says when all are out.
      return new Promise<void>((resolve) => {
        if (!counts) p.flush(() => resolve());
        else if (written >= handed) resolve();
        else whenWritten.push(resolve);
      });
    },
  };
}
