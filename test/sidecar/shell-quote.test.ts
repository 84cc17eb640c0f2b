import test from 'ava';
import { spawnSync } from 'node:child_process';
import { shellJoin, quoteArg, quoteBytes } from '../../src/sidecar/shell-quote.ts';

/** What `sh` (or bash for $'...') makes of a command line: the argv it would run. */
function reparse(cmdline: string, shell = 'sh'): Buffer[] {
  const out = spawnSync(shell, ['-c', `for a in ${cmdline}; do printf '%s\\0' "$a"; done`]).stdout;
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < out.length; i++) if (out[i] === 0) { parts.push(out.subarray(start, i)); start = i + 1; }
  return parts;
}

test('pasting the cmdline into a shell gives back the same argv', (t) => {
  const argv = ['uname', '-a', 'two words', "it's", '"double"', '', '$HOME', '`id`', '*', 'a\nb', 'tab\there', '\\back', 'ünïcødé', '~user', '#notacomment', 'semi;colon', 'a|b', '!bang'];
  const line = shellJoin(argv);
  t.deepEqual(reparse(line).map((b) => b.toString('utf8')), argv);
  t.is(shellJoin(['uname', '-a']), 'uname -a', 'plain words stay bare, as in the original');
});

test('arguments that are not UTF-8 use $\'\\xHH\' quoting and round-trip byte for byte', (t) => {
  const raw = Buffer.from([0x61, 0xff, 0x27, 0x5c, 0x0a, 0x62]);
  t.is(quoteBytes(raw), "$'a\\xff\\'\\\\\\x0ab'");
  const parsed = reparse(shellJoin(['x', raw.toString('utf8')], new Map([[1, raw]])), 'bash');
  t.deepEqual(parsed[1], raw);
  t.is(quoteArg(''), "''");
});

test('the safe characters listed for the byte path are exactly those the quoting leaves bare', async (t) => {
  const { SHELL_SAFE_CHARS, isShellSafe } = await import('../../src/sidecar/shell-quote.ts');
  for (let c = 1; c < 128; c++) {
    const ch = String.fromCharCode(c);
    t.is(isShellSafe(ch), SHELL_SAFE_CHARS.includes(ch), `0x${c.toString(16)}`);
  }
});
