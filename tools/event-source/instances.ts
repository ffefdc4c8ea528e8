import type { HandlerFactory, HandlerInstance } from './options';

/** A built execution environment and its number. */
export interface PooledInstance extends HandlerInstance {
  readonly id: number;
}

/**
 * Execution environments: one per concurrent invocation, built by the factory on demand (a cold
 * start) and reused when free (warm), the most recently used first, as Lambda tends to.
 */
export class InstancePool {
  readonly #factory: HandlerFactory;
  readonly #free: PooledInstance[] = [];
  readonly #all = new Set<PooledInstance>();
  #created = 0;

  constructor(factory: HandlerFactory) {
    this.#factory = factory;
  }

  /** Environments built so far (cold starts). */
  get created(): number {
    return this.#created;
  }

  /** A free environment, or a new one (the factory may throw: an init error). */
  async take(): Promise<PooledInstance> {
    const warm = this.#free.pop();
    if (warm) return warm;
    const id = this.#created;
    this.#created += 1;
    const built = await this.#factory(id);
    const instance: PooledInstance =
      typeof built === 'function'
        ? { id, handle: built }
        : { id, handle: (event, context) => built.handle(event, context), close: () => built.close?.() };
    this.#all.add(instance);
    return instance;
  }

  /** Back to the pool after an invocation that ended normally. */
  give(instance: PooledInstance): void {
    this.#free.push(instance);
  }

  /** Thrown away (timeout, runtime exit): the next invocation gets a cold start instead. */
  async discard(instance: PooledInstance): Promise<void> {
    this.#all.delete(instance);
    await instance.close?.();
  }

  async closeAll(): Promise<void> {
    const all = [...this.#all];
    this.#all.clear();
    this.#free.length = 0;
    await Promise.all(all.map((instance) => instance.close?.()));
  }
}
