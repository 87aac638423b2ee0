/**
 * A push queue that is also an async iterable: the standard input of a long-lived command
 * (`CommandSpec.stdinChunks`), written to as work for it becomes known.
 */
export class InputQueue implements AsyncIterable<string> {
  private readonly items: string[] = [];
  private waiting: ((r: IteratorResult<string>) => void) | undefined;
  private ended = false;

  /** Queues text for the command (ignored once {@link end} was called). */
  push(text: string): void {
    if (this.ended) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: text, done: false });
    } else this.items.push(text);
  }

  /** Ends the input once what is queued has been read. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    return {
      next: () => {
        if (this.items.length) return Promise.resolve({ value: this.items.shift()!, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
    };
  }
}
