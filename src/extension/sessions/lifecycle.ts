/**
 * Events and disposables for every layer (the session core, the session host, the
 * extension), none of which may need `vscode` for them. The shapes match
 * vscode.Event / vscode.Disposable so UI code can use both alike.
 *
 * One idiom: a class that owns things extends DisposableBase and registers them;
 * a slot whose content is replaced over time is a MutableDisposable; timers are
 * disposables too (disposableTimeout, disposableInterval).
 */

export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (value: T) => void) => Disposable;

export function toDisposable(dispose: () => void): Disposable {
  let disposed = false;
  return {
    dispose: () => {
      if (!disposed) {
        disposed = true;
        dispose();
      }
    },
  };
}

/** Runs `callback` once after `ms` unless disposed first. */
export function disposableTimeout(callback: () => void, ms: number): Disposable {
  const timer = setTimeout(callback, ms);
  return toDisposable(() => clearTimeout(timer));
}

/**
 * Runs `callback` every `ms` until disposed. `keepsProcessAlive: false` is for housekeeping,
 * which alone must not keep a process running.
 */
export function disposableInterval(callback: () => void, ms: number, { keepsProcessAlive = true } = {}): Disposable {
  const timer = setInterval(callback, ms);
  if (!keepsProcessAlive) {
    timer.unref();
  }
  return toDisposable(() => clearInterval(timer));
}

type UnexpectedErrorHandler = (error: unknown) => void;

let unexpectedErrorHandler: UnexpectedErrorHandler = (error) => console.error('[milestone-terminals]', error);

/**
 * Where errors that no caller can handle go (a listener that threw). The session host
 * has no stdio to print them to and sends them to its log; the default prints them.
 */
export function setUnexpectedErrorHandler(handler: UnexpectedErrorHandler): void {
  unexpectedErrorHandler = handler;
}

export function onUnexpectedError(error: unknown): void {
  unexpectedErrorHandler(error);
}

/** A set of disposables disposed together; one added after that is disposed at once. */
export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  add<T extends Disposable>(item: T): T {
    if (this.disposed) {
      item.dispose();
    } else {
      this.items.add(item);
    }
    return item;
  }

  /** Disposes `item` now and stops tracking it. */
  delete(item: Disposable): void {
    if (this.items.delete(item)) {
      item.dispose();
    }
  }

  /** Disposes everything held so far; the store stays usable. */
  clear(): void {
    const items = [...this.items].reverse();
    this.items.clear();
    for (const item of items) {
      try {
        item.dispose();
      } catch (error) {
        onUnexpectedError(error);
      }
    }
  }

  dispose(): void {
    if (!this.disposed) {
      this.disposed = true;
      this.clear();
    }
  }
}

/** Holds at most one disposable: setting a new value disposes the old one. */
export class MutableDisposable<T extends Disposable> implements Disposable {
  private current: T | undefined;
  private disposed = false;

  get value(): T | undefined {
    return this.current;
  }

  set value(value: T | undefined) {
    if (this.disposed) {
      value?.dispose();
      return;
    }
    if (value !== this.current) {
      this.current?.dispose();
      this.current = value;
    }
  }

  clear(): void {
    this.value = undefined;
  }

  dispose(): void {
    this.clear();
    this.disposed = true;
  }
}

export class Emitter<T> implements Disposable {
  private listeners = new Set<(value: T) => void>();

  readonly event: Event<T> = (listener) => {
    // Wrap so the same function subscribed twice gets two independent subscriptions.
    const entry = (value: T) => listener(value);
    this.listeners.add(entry);
    return toDisposable(() => this.listeners.delete(entry));
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        // One faulty subscriber must not starve the others (or the PTY reader).
        onUnexpectedError(error);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}

/** Base for classes that own disposables: `register` them, dispose once. */
export abstract class DisposableBase implements Disposable {
  private readonly store = new DisposableStore();

  protected get isDisposed(): boolean {
    return this.store.isDisposed;
  }

  protected register<T extends Disposable>(disposable: T): T {
    return this.store.add(disposable);
  }

  dispose(): void {
    this.store.dispose();
  }
}
