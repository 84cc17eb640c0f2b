import test from 'ava';
import { essentialName, essentialNameLength, namesMatch, sameEssentialName } from '../../src/core/index.ts';

test('essential names drop the last ___flavour suffix', (t) => {
  t.is(essentialName('task_struct___exectrace'), 'task_struct');
  t.is(essentialName('foo___bar___baz'), 'foo___bar');
  t.is(essentialName('x___y'), 'x');
  t.is(essentialName('task_struct'), 'task_struct');
  t.is(essentialNameLength('nf_conn___init'), 'nf_conn'.length);
});

test('a flavour separator needs a non-underscore on both sides', (t) => {
  t.is(essentialName('foo___'), 'foo___'); // nothing after
  t.is(essentialName('___foo'), '___foo'); // nothing before
  t.is(essentialName('a____b'), 'a____b'); // four underscores: '_' after the separator
  t.is(essentialName('a____b___c'), 'a____b');
  t.is(essentialName('__u64'), '__u64');
  t.is(essentialName(''), '');
});

test('names match ignoring flavours; anonymous only matches anonymous', (t) => {
  t.true(sameEssentialName('foo___a', 'foo___b'));
  t.true(sameEssentialName('foo', 'foo___b'));
  t.false(sameEssentialName('foo', 'foobar'));
  t.false(sameEssentialName('foo___a___b', 'foo'));
  t.true(namesMatch('', ''));
  t.false(namesMatch('a', ''));
  t.false(namesMatch('', 'a'));
  t.true(namesMatch('x___1', 'x'));
});
