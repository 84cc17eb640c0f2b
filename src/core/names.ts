/**
 * "Essential" type names: CO-RE lets a BPF program declare several local
 * versions of one kernel type (`struct task_struct___old`,
 * `struct task_struct___new`) by appending a `___flavour` suffix, which is
 * ignored when matching against the kernel. This is libbpf's
 * bpf_core_essential_name_len / bpf_core_names_match, byte for byte: the
 * separator is the LAST `___` that has a non-underscore on both sides, so
 * `a____b` or a trailing `___` are not flavours.
 */

/** True if `name[i..i+4]` is X___Y with X and Y not underscores (bpf_core_is_flavor_sep). */
function isFlavourSeparator(name: string, i: number): boolean {
  return name[i] !== '_' && name[i + 1] === '_' && name[i + 2] === '_' && name[i + 3] === '_' && name[i + 4] !== '_';
}

/** Length of `name` without its `___flavour` suffix (the whole length if it has none). */
export function essentialNameLength(name: string): number {
  for (let i = name.length - 5; i >= 0; i--) {
    if (isFlavourSeparator(name, i)) return i + 1;
  }
  return name.length;
}

/** `task_struct___exectrace` -> `task_struct`. */
export function essentialName(name: string): string {
  return name.slice(0, essentialNameLength(name));
}

/** Whether two names are equal ignoring flavours (libbpf's check in bpf_core_add_cands and for enumerators). */
export function sameEssentialName(a: string, b: string): boolean {
  const la = essentialNameLength(a);
  return la === essentialNameLength(b) && a.slice(0, la) === b.slice(0, la);
}

/**
 * bpf_core_names_match (TYPE_MATCHES): an anonymous target only matches an
 * anonymous local; otherwise the essential names must be equal.
 */
export function namesMatch(local: string, target: string): boolean {
  if (target === '') return local === '';
  return sameEssentialName(local, target);
}
