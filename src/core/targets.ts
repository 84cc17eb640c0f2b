/**
 * Target BTFs in priority order: vmlinux first, then kernel modules.
 *
 * Module BTF is only needed when vmlinux has no candidate for a type, and
 * parsing every module's BTF up front would cost far more than the whole
 * relocation, so a target may be given as a function that produces the Btf
 * on first use. Its result (or the error it threw) is remembered.
 */
import type { Btf } from '../btf/index.ts';
import { CoreFailure } from './errors.ts';

export type CoreTargetBtf = Btf | (() => Btf);

/** A target BTF, optionally lazy, optionally named (e.g. `vmlinux`, `nf_conntrack`) for reports. */
export type CoreTarget = CoreTargetBtf | { readonly name: string; readonly btf: CoreTargetBtf };

export interface ResolvedTarget {
  /** The name given, or `vmlinux` for the first target and `module #i` for the others. */
  readonly name: string;
  readonly btf: Btf;
  /** Position in the priority list (0 = vmlinux). */
  readonly position: number;
}

type Slot =
  | { readonly state: 'pending'; readonly load: () => Btf }
  | { readonly state: 'ready'; readonly target: ResolvedTarget }
  | { readonly state: 'failed'; readonly error: unknown };

export class CoreTargets {
  private readonly names: readonly string[];
  private readonly slots: Slot[];

  constructor(targets: readonly CoreTarget[]) {
    this.names = targets.map((t, i) =>
      typeof t === 'object' && 'btf' in t ? t.name : i === 0 ? 'vmlinux' : `module #${i}`);
    this.slots = targets.map((t, i): Slot => {
      const src = typeof t === 'object' && 'btf' in t ? t.btf : t;
      if (typeof src === 'function') return { state: 'pending', load: src };
      return { state: 'ready', target: { name: this.names[i]!, btf: src, position: i } };
    });
  }

  get count(): number {
    return this.slots.length;
  }

  name(position: number): string {
    return this.names[position] ?? `target #${position}`;
  }

  /** Whether the target's BTF has been produced (lazy targets untouched so far are not). */
  loaded(position: number): boolean {
    return this.slots[position]?.state === 'ready';
  }

  /** The target at `position`, producing it now if it was given lazily. */
  get(position: number): ResolvedTarget {
    const slot = this.slots[position];
    if (slot === undefined) throw new RangeError(`no CO-RE target at position ${position}`);
    if (slot.state === 'ready') return slot.target;
    if (slot.state === 'failed') throw failure(this.name(position), slot.error);
    try {
      const target = { name: this.name(position), btf: slot.load(), position };
      this.slots[position] = { state: 'ready', target };
      return target;
    } catch (error) {
      this.slots[position] = { state: 'failed', error };
      throw failure(this.name(position), error);
    }
  }
}

function failure(name: string, error: unknown): CoreFailure {
  const msg = error instanceof Error ? error.message : String(error);
  return new CoreFailure(`loading target BTF ${name} failed: ${msg}`, { cause: error });
}
