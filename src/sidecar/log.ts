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
export function createLogger(dest: pino.DestinationStream = pino.destination({ fd: 1, sync: false })): EnvelopeLogger {
  const pending: string[] = [];
  const writePending = () => {
    if (pending.length === 0) return;
    dest.write(pending.join(''));
    pending.length = 0;
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
    dest,
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
