/**
 * ReplicaSet: one partition's replica assignment as the controller sees it (Kafka's
 * ReplicaAssignment), including an in-flight reassignment (KIP-455).
 *
 * Invariants:
 * - `replicas` (RS) is the full set while reassigning: target replicas first, in the requested
 *   order, then the original replicas not in the target.
 * - `adding` (AR) = RS - ORS and `removing` (RR) = RS - TRS, so
 *   origin (ORS) = RS - AR and target (TRS) = RS - RR.
 * - Not being reassigned <=> AR and RR are both empty (then RS = ORS = TRS).
 */
export class ReplicaSet {
  private constructor(
    readonly replicas: readonly number[],
    readonly adding: readonly number[],
    readonly removing: readonly number[],
  ) {}

  static of(replicas: readonly number[], adding: readonly number[] = [], removing: readonly number[] = []): ReplicaSet {
    return new ReplicaSet([...replicas], [...adding], [...removing]);
  }

  /** The replicas before the reassignment started (ORS). */
  get origin(): number[] {
    return this.replicas.filter((r) => !this.adding.includes(r));
  }

  /** The replicas once the reassignment completes (TRS). */
  get target(): number[] {
    return this.replicas.filter((r) => !this.removing.includes(r));
  }

  get isBeingReassigned(): boolean {
    return this.adding.length > 0 || this.removing.length > 0;
  }

  /**
   * The assignment while moving from the origin to `target`. Reassigning to the origin itself
   * (a cancellation) gives a set that is not being reassigned. As in Kafka, the origin's order is
   * not kept where it overlaps the target: RS lists the target first.
   */
  reassignTo(target: readonly number[]): ReplicaSet {
    const origin = this.origin;
    const full = dedupe([...target, ...origin]);
    return new ReplicaSet(
      full,
      full.filter((r) => !origin.includes(r)),
      full.filter((r) => !target.includes(r)),
    );
  }

  equals(o: ReplicaSet): boolean {
    return sameList(this.replicas, o.replicas) && sameList(this.adding, o.adding) && sameList(this.removing, o.removing);
  }
}

export function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function dedupe(xs: readonly number[]): number[] {
  return [...new Set(xs)];
}
