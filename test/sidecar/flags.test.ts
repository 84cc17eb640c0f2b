import test from 'ava';
import { parseFlags, parseAddress, FlagError } from '../../src/sidecar/flags.ts';
import { parseDuration } from '../../src/sidecar/duration.ts';

test('defaults are the original tool\'s', (t) => {
  t.like(parseFlags([]), {
    initAddress: { host: '127.0.0.1', port: 56123 },
    startupTimeoutMs: 15 * 60_000,
    useLocalPidns: false,
    labels: {},
    local: false,
    logFailures: true,
    argvBudget: 32768,
    ringSize: 4 * 1024 * 1024,
  });
});

test('labels are KEY=VALUE, repeatable, the value may contain =, and one without = is refused by name', (t) => {
  t.deepEqual(parseFlags(['--label', 'a=1', '--label', 'b=x=y', '--label', 'c=']).labels, { a: '1', b: 'x=y', c: '' });
  t.throws(() => parseFlags(['--label', 'oops']), { instanceOf: FlagError, message: /--label "oops" has no '='/ });
  t.throws(() => parseFlags(['--label', '=v']), { message: /empty key/ });
});

test('addresses, durations and sizes are validated with messages that name the flag', (t) => {
  t.deepEqual(parseAddress('0.0.0.0:80'), { host: '0.0.0.0', port: 80 });
  t.deepEqual(parseAddress('[::1]:9000'), { host: '::1', port: 9000 });
  t.deepEqual(parseAddress(':9000'), { host: '0.0.0.0', port: 9000 });
  t.throws(() => parseFlags(['--init-address', 'localhost']), { message: /--init-address "localhost" is not HOST:PORT/ });
  t.throws(() => parseFlags(['--init-address', 'x:70000']), { message: /out of range/ });
  t.is(parseDuration('1h30m'), 5_400_000);
  t.is(parseDuration('500ms'), 500);
  t.is(parseDuration('1.5s'), 1500);
  t.throws(() => parseFlags(['--startup-timeout', '10']), { message: /--startup-timeout: invalid duration "10"/ });
  t.throws(() => parseFlags(['--argv-budget', '0']), { message: /--argv-budget/ });
  t.throws(() => parseFlags(['--argv-budget', '131072']), { message: /--argv-budget/ });
  t.throws(() => parseFlags(['--ring-size', '5000']), { message: /--ring-size must be a power of two/ });
  t.throws(() => parseFlags(['--format', 'xml']), { message: /--format must be json or text/ });
  t.throws(() => parseFlags(['--bogus']), { message: /Unknown option '--bogus'/ });
  t.throws(() => parseFlags(['--local', '--use-local-pidns']), { message: /exclude each other/ });
  t.false(parseFlags(['--no-failures']).logFailures);
});
