import type { ComputePriority } from './priority.ts';

/**
 * Two first-in-first-out lanes: interactive entries are always taken before background ones. The pool keeps
 * its waiting tasks here rather than in Piscina, whose own queue cannot order abortable tasks.
 */
export class PriorityTaskQueue<Entry extends { readonly priority: ComputePriority }> {
  readonly #lanes: Record<ComputePriority, Entry[]> = { interactive: [], background: [] };

  get size(): number {
    return this.#lanes.interactive.length + this.#lanes.background.length;
  }

  sizeOf(priority: ComputePriority): number {
    return this.#lanes[priority].length;
  }

  push(entry: Entry): void {
    this.#lanes[entry.priority].push(entry);
  }

  shift(): Entry | undefined {
    return this.#lanes.interactive.shift() ?? this.#lanes.background.shift();
  }

  /** Removes a waiting entry; false when it was not waiting (already taken). */
  remove(entry: Entry): boolean {
    const lane = this.#lanes[entry.priority];
    const index = lane.indexOf(entry);
    if (index === -1) return false;
    lane.splice(index, 1);
    return true;
  }

  /** Entries of one lane, oldest first. */
  waiting(priority: ComputePriority): readonly Entry[] {
    return this.#lanes[priority];
  }
}
