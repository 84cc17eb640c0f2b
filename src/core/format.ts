/**
 * Human-readable specs, after libbpf's bpf_core_format_spec:
 * `[8] struct s.a (0:1 @ offset 4)`, `[11] enum e::TWO = 2`, `[95333] struct task_struct`.
 * Used in reports and messages so a failed match can be compared by eye
 * with `bpftool btf dump` output.
 */
import { isAnyEnum, enumeratorValue, skipMods, typeAt } from './btf-ops.ts';
import { isEnumvalBased, isTypeBased } from './kinds.ts';
import type { CoreSpec } from './spec.ts';

export function formatSpec(spec: CoreSpec): string {
  const root = typeAt(spec.btf, spec.rootTypeId);
  let out = `[${spec.rootTypeId}] ${root.kind} ${root.name === '' ? '<anon>' : root.name}`;
  if (isTypeBased(spec.kind)) return out;

  if (isEnumvalBased(spec.kind)) {
    const acc = spec.accessors[0];
    const t = skipMods(spec.btf, spec.rootTypeId);
    if (acc !== undefined && isAnyEnum(t)) {
      const v = enumeratorValue(t, acc.idx);
      const shown = t.signed ? BigInt.asIntN(64, v) : (t.kind === 'enum' ? BigInt.asUintN(32, v) : v);
      out += `::${acc.name ?? '?'} = ${shown}`;
    }
    return out;
  }

  spec.accessors.forEach((acc, i) => {
    if (acc.name !== undefined) out += `.${acc.name}`;
    else if (i > 0 || acc.idx > 0) out += `[${acc.idx}]`;
  });
  const bytes = Math.floor(spec.bitOffset / 8);
  const bits = spec.bitOffset % 8;
  out += ` (${spec.raw.join(':')} @ offset ${bits ? `${bytes}.${bits}` : bytes})`;
  return out;
}
