// Command line of the sidecar: the original tool's flags, plus the new
// behaviour's. Pure: parse and validate, nothing else.
import { parseArgs } from 'node:util';
import { parseDuration } from './duration.ts';

export interface SidecarFlags {
  initAddress: { host: string; port: number };
  startupTimeoutMs: number;
  useLocalPidns: boolean;
  labels: Record<string, string>;
  /** Trace the whole host, no namespace filter, no handshake. */
  local: boolean;
  format: 'json' | 'text' | undefined;
  logFailures: boolean;
  argvBudget: number;
  /** Ring buffer bytes (power of two). */
  ringSize: number;
  help: boolean;
  version: boolean;
}

export class FlagError extends Error {}

export const HELP = `Usage: exectrace [flags]

Logs every process started in a workspace container's PID namespace (and the
namespaces nested in it), one JSON line per exec attempt.

Flags of the original exectrace:
  --init-address HOST:PORT   where to wait for the init handshake: a POST of the
                             PID namespace inode (default 127.0.0.1:56123)
  --startup-timeout DUR      give up if no handshake arrives in time (default 15m)
  --use-local-pidns          trace this process's own PID namespace; no handshake
  --label KEY=VALUE          add a label to every exec line (repeatable)
New:
  --local                    trace every process on this host; no handshake
                             (for a developer's own machine)
  --format json|text         json lines (default when stdout is not a terminal),
                             or one compact human-readable line per exec
  --no-failures              do not log failed exec attempts (logged by default)
  --argv-budget BYTES        bytes of argv kept per exec (default 32768, max 131071)
  --ring-size BYTES          kernel ring buffer size, a power of two (default 4194304)
  --help, --version

Needs Linux >= 5.8 with BTF (CONFIG_DEBUG_INFO_BTF=y), and root or
CAP_BPF + CAP_PERFMON + CAP_SYS_ADMIN.`;

export function parseAddress(text: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:]*):(\d{1,5})$/.exec(text);
  if (!m) throw new FlagError(`--init-address ${JSON.stringify(text)} is not HOST:PORT`);
  const port = Number(m[2]);
  if (port > 65535) throw new FlagError(`--init-address port ${port} is out of range`);
  const host = m[1]!.replace(/^\[|\]$/g, '') || '0.0.0.0';
  return { host, port };
}

export function parseFlags(argv: string[]): SidecarFlags {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'init-address': { type: 'string' },
        'startup-timeout': { type: 'string' },
        'use-local-pidns': { type: 'boolean' },
        label: { type: 'string', multiple: true },
        local: { type: 'boolean' },
        format: { type: 'string' },
        'no-failures': { type: 'boolean' },
        'argv-budget': { type: 'string' },
        'ring-size': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new FlagError((e as Error).message);
  }
  const labels: Record<string, string> = {};
  for (const l of values.label ?? []) {
    const eq = l.indexOf('=');
    if (eq < 0) throw new FlagError(`--label ${JSON.stringify(l)} has no '=': labels are KEY=VALUE`);
    if (eq === 0) throw new FlagError(`--label ${JSON.stringify(l)} has an empty key`);
    labels[l.slice(0, eq)] = l.slice(eq + 1);
  }
  const format = values.format;
  if (format !== undefined && format !== 'json' && format !== 'text') throw new FlagError(`--format must be json or text, not ${JSON.stringify(format)}`);
  let startupTimeoutMs: number;
  try {
    startupTimeoutMs = parseDuration(values['startup-timeout'] ?? '15m');
  } catch (e) {
    throw new FlagError(`--startup-timeout: ${(e as Error).message}`);
  }
  const budgetText = values['argv-budget'] ?? '32768';
  const argvBudget = Number(budgetText);
  if (!/^\d+$/.test(budgetText) || argvBudget < 1 || argvBudget > 131071) throw new FlagError(`--argv-budget must be a number of bytes from 1 to 131071, not ${JSON.stringify(budgetText)}`);
  const ringText = values['ring-size'] ?? String(4 * 1024 * 1024);
  const ringSize = Number(ringText);
  if (!/^\d+$/.test(ringText) || ringSize < 4096 || ringSize > 2 ** 30 || (ringSize & (ringSize - 1)) !== 0) {
    throw new FlagError(`--ring-size must be a power of two from 4096 to 1073741824 bytes, not ${JSON.stringify(ringText)}`);
  }
  if (values.local && values['use-local-pidns']) throw new FlagError('--local and --use-local-pidns exclude each other');
  return {
    initAddress: parseAddress(values['init-address'] ?? '127.0.0.1:56123'),
    startupTimeoutMs,
    useLocalPidns: values['use-local-pidns'] ?? false,
    labels,
    local: values.local ?? false,
    format: format as 'json' | 'text' | undefined,
    logFailures: !(values['no-failures'] ?? false),
    argvBudget,
    ringSize,
    help: values.help ?? false,
    version: values.version ?? false,
  };
}
