/**
 * A one-slot-at-a-time bridge from push (Kafka consumer callbacks) to pull (the pipeline's async
 * iteration). push() resolves only when the pipeline asks for the item after this one, which is
 * when this one has been folded into every report: the consumer never runs ahead of the reports.
 */
interface Entry<T> {
  readonly item: T;
  readonly onHandOut: () => void;
  readonly processed: () => void;
}

export class HandOff<T> implements AsyncIterable<T> {
  private readonly queue: Entry<T>[] = [];
  private waiter: ((result: IteratorResult<T>) => void) | null = null;
  private inFlight: Entry<T> | null = null;
  private closed = false;

  constructor(private readonly isDone: () => boolean = () => false) {}

  /** Queues `item`; onHandOut runs when the pipeline takes it (before it processes it). */
  push(item: T, onHandOut: () => void = () => {}): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((processed) => {
      this.queue.push({ item, onHandOut, processed });
      this.deliver();
    });
  }

  close(): void {
    this.closed = true;
    for (const entry of this.queue.splice(0)) entry.processed();
    this.deliver();
  }

  private deliver(): void {
    if (this.waiter === null) return;
    const entry = this.queue.shift();
    const waiter = this.waiter;
    if (entry !== undefined) {
      this.waiter = null;
      this.inFlight = entry;
      entry.onHandOut();
      waiter({ value: entry.item, done: false });
    } else if (this.closed) {
      this.waiter = null;
      waiter({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        this.inFlight?.processed();
        this.inFlight = null;
        if (this.isDone()) this.close();
        return new Promise<IteratorResult<T>>((resolve) => {
          this.waiter = resolve;
          this.deliver();
        });
      },
      return: async () => {
        this.inFlight?.processed();
        this.inFlight = null;
        this.close();
        return { value: undefined, done: true };
      },
    };
  }
}
