/**
 * C-like spelling of a type, for error messages and debugging:
 * `struct task_struct *`, `const char *`, `int (*)(void *, int)`,
 * `unsigned long[4]`, `char *argv[32]` style declarators.
 *
 * C declarators read inside-out, so we build the declarator text
 * ("inner") while walking from the outermost type towards the base type,
 * and put the base type's name in front at the end.
 */
import { BtfError } from './errors.ts';
import type { Type, TypeId, TypeLookup } from './types.ts';

/** Walk budget: bounds work on hostile BTF (deep or wide self-referencing prototypes). */
const MAX_DEPTH = 64;
const MAX_NODES = 10_000;

export function typeName(types: TypeLookup, id: TypeId): string {
  const budget = { nodes: 0 };
  return declare(types, id, '', 0, budget);
}

function declare(types: TypeLookup, id: TypeId, inner: string, depth: number, budget: { nodes: number }): string {
  if (depth > MAX_DEPTH || ++budget.nodes > MAX_NODES) {
    throw new BtfError(`BTF: type [${id}] is nested too deeply to name (a loop?)`);
  }
  const t: Type = types.typeById(id);
  const next = (to: TypeId, decl: string): string => declare(types, to, decl, depth + 1, budget);
  switch (t.kind) {
    case 'void':
      return join('void', inner);
    case 'int':
    case 'float':
    case 'typedef':
      return join(t.name || '(anon)', inner);
    case 'struct':
    case 'union':
    case 'enum':
      return join(`${t.kind} ${t.name || '(anon)'}`, inner);
    case 'enum64':
      return join(`enum ${t.name || '(anon)'}`, inner);
    case 'fwd':
      return join(`${t.fwdKind} ${t.name}`, inner);
    case 'ptr':
      return next(t.type, '*' + inner);
    case 'const':
    case 'volatile':
    case 'restrict': {
      // A qualified pointer reads `char *const`; a qualified value `const char`.
      if (types.typeById(t.type).kind === 'ptr') return next(t.type, t.kind + (inner ? ' ' + inner : ''));
      return `${t.kind} ${next(t.type, inner)}`;
    }
    case 'type_tag': {
      // Written after what it tags, as clang prints __attribute__((btf_type_tag)).
      const tag = `__attribute__((btf_type_tag("${t.name}")))`;
      return next(t.type, tag + (inner ? ' ' + inner : ''));
    }
    case 'array':
      return next(t.type, `${inner.startsWith('*') ? `(${inner})` : inner}[${t.nelems}]`);
    case 'func_proto': {
      const params = t.params.map((p) => next(p.type, ''));
      if (t.variadic) params.push('...');
      const list = params.length === 0 ? 'void' : params.join(', ');
      return next(t.returnType, `${inner.startsWith('*') ? `(${inner})` : inner}(${list})`);
    }
    case 'func':
      return next(t.type, t.name);
    case 'var':
      return next(t.type, t.name);
    case 'datasec':
      return `SEC("${t.name}")`;
    case 'decl_tag':
      return `__attribute__((btf_decl_tag("${t.name}")))`;
    case 'unknown':
      return join(`<kind ${t.rawKind}>${t.name ? ' ' + t.name : ''}`, inner);
  }
}

/** Base type name followed by a declarator; arrays hug the name (`int[4]`). */
function join(base: string, inner: string): string {
  if (inner === '') return base;
  return inner.startsWith('[') ? base + inner : `${base} ${inner}`;
}
