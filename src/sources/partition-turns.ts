/**
 * Queued items per partition, handed out in turns: each partition's in the order queued, the
 * partitions one after the other. A fetch brings several megabytes of one partition at a time;
 * handed out in fetch order, a run of batches of one partition would keep one shard busy while
 * the others, whose partitions wait behind, idle.
 */
export class PartitionTurns<T extends { readonly key: string }> {
  /** Per partition, its items from `head` on (the ones before were handed out). */
  private readonly queues = new Map<string, { items: T[]; head: number }>();
  /** Partitions with items queued, the next to hand out first. */
  private turns: string[] = [];

  push(item: T): void {
    const queue = this.queues.get(item.key);
    if (queue !== undefined) {
      queue.items.push(item);
      return;
    }
    this.queues.set(item.key, { items: [item], head: 0 });
    this.turns.push(item.key);
  }

  /** The next partition's oldest item; that partition then waits for every other's turn. */
  shift(): T | undefined {
    const key = this.turns.shift();
    if (key === undefined) return undefined;
    const queue = this.queues.get(key) as { items: T[]; head: number };
    const item = queue.items[queue.head++];
    if (queue.head === queue.items.length) this.queues.delete(key);
    else {
      // what was handed out goes once it is most of the array: each item is moved at most once more
      if (queue.head > 1024 && queue.head * 2 > queue.items.length) {
        queue.items = queue.items.slice(queue.head);
        queue.head = 0;
      }
      this.turns.push(key);
    }
    return item;
  }

  /** Forgets the items of the partitions `drop` names; returns those kept. */
  dropWhere(drop: (key: string) => boolean): T[] {
    this.turns = this.turns.filter((key) => !drop(key));
    for (const key of [...this.queues.keys()]) if (drop(key)) this.queues.delete(key);
    return [...this.queues.values()].flatMap((queue) => queue.items.slice(queue.head));
  }

  clear(): void {
    this.queues.clear();
    this.turns = [];
  }
}
