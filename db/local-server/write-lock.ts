// The server-wide write lock shared by all streams.
import { HranaError } from "./protocol.ts";

interface Waiter {
  owner: object;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

/**
 * One writer at a time across all streams. A stream takes it before it starts a transaction that
 * may write (BEGIN, BEGIN IMMEDIATE, SAVEPOINT) and keeps it until its connection is back in
 * autocommit, across HTTP requests; an autocommit write from another stream takes it for its one
 * statement, or waits. Waiting is a promise in a FIFO queue, never a busy wait, so the holder keeps
 * being served meanwhile.
 */
export class WriteLock {
  #owner: object | null = null;
  #queue: Waiter[] = [];
  /** Set when the server shuts down: nobody acquires the lock any more. */
  #shutDownError: Error | null = null;

  tryAcquire(owner: object): boolean {
    if (this.#owner === owner) return true;
    if (this.#owner !== null) return false;
    this.#owner = owner;
    return true;
  }

  acquire(owner: object, timeoutMs: number): Promise<void> {
    if (this.#shutDownError) return Promise.reject(this.#shutDownError);
    if (this.tryAcquire(owner)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { owner, resolve, reject, timer: null };
      waiter.timer = setTimeout(() => {
        this.#remove(waiter);
        reject(
          new HranaError(
            `database is locked: another stream held a write transaction for more than ${timeoutMs} ms`,
            "SQLITE_BUSY",
          ),
        );
      }, timeoutMs);
      waiter.timer.unref?.();
      this.#queue.push(waiter);
    });
  }

  release(owner: object): void {
    if (this.#owner !== owner) return;
    const next = this.#queue.shift();
    this.#owner = next ? next.owner : null;
    if (next) {
      if (next.timer) clearTimeout(next.timer);
      next.resolve();
    }
  }

  /** Stops `owner` waiting (its acquire() rejects with `error()`, made only if it was waiting). */
  cancel(owner: object, error: () => Error): void {
    for (const waiter of this.#queue.filter((w) => w.owner === owner)) {
      this.#remove(waiter);
      waiter.reject(error());
    }
  }

  /** Passes the lock from one owner to another without letting anyone in between. */
  handOver(from: object, to: object): void {
    if (this.#owner === from) this.#owner = to;
  }

  /** Fails every waiter, and every later acquire(), with `error`. */
  shutDown(error: Error): void {
    this.#shutDownError = error;
    for (const waiter of this.#queue.splice(0)) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }

  #remove(waiter: Waiter): void {
    const at = this.#queue.indexOf(waiter);
    if (at >= 0) this.#queue.splice(at, 1);
    if (waiter.timer) clearTimeout(waiter.timer);
  }
}
