/**
 * Every timer the server starts (settlements, webhook backoff, delayed responses) goes through here,
 * so `close()` and `/_test/reset` can stop all of them and a test never leaks work into the next one.
 */
export class Timers {
  private readonly pending = new Map<NodeJS.Timeout, () => void>();

  /** Runs `fn` after `ms` unless cleared first. */
  after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      fn();
    }, ms);
    this.pending.set(timer, () => {});
  }

  /** Resolves true after `ms`, or false as soon as the timers are cleared. */
  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve(true);
      }, ms);
      this.pending.set(timer, () => resolve(false));
    });
  }

  clear(): void {
    for (const [timer, cancel] of this.pending) {
      clearTimeout(timer);
      cancel();
    }
    this.pending.clear();
  }
}
