// Lists read back from storage whose items are made only when something looks at them. The history store hands
// out INBOX's previous message list this way: a repeat probe of an unchanged INBOX passes that list on to the
// new snapshot and back to the store without ever reading an item, so 100k identities are never built.
//
// A lazy list is an Array behind a Proxy: Array.isArray, length, indexing, iteration, the array methods,
// JSON.stringify and deep equality all behave as on a plain array (the items are made on the first access that
// needs them; reading `length` does not). Loops over every item should go through plainList(), which hands out
// the array itself instead of paying the Proxy on each access. structuredClone() refuses Proxies: clone
// plainList(list) instead. util.inspect shows the array behind the Proxy, with empty slots until first use.
const lists = new WeakMap<object, { items(): unknown[]; changed: boolean }>();

export function lazyList<T>(length: number, fill: (into: T[]) => void): T[] {
  const target: T[] = new Array<T>(length);
  let filled = length === 0;
  const state = {
    items(): T[] {
      if (!filled) {
        fill(target); // a fill that throws (its storage gone) leaves the list unfilled, and throws again next time
        filled = true;
      }
      return target;
    },
    changed: false,
  };
  const changing = () => {
    state.changed = true;
    return state.items();
  };
  const proxy = new Proxy(target, {
    get: (t, key, receiver): unknown => (key === 'length' ? t.length : (Reflect.get(state.items(), key, receiver) as unknown)),
    has: (_t, key) => Reflect.has(state.items(), key),
    ownKeys: () => Reflect.ownKeys(state.items()),
    getOwnPropertyDescriptor: (_t, key) => Reflect.getOwnPropertyDescriptor(state.items(), key),
    set: (_t, key, value, receiver) => Reflect.set(changing(), key, value, receiver),
    defineProperty: (_t, key, d) => Reflect.defineProperty(changing(), key, d),
    deleteProperty: (_t, key) => Reflect.deleteProperty(changing(), key),
  });
  lists.set(proxy, state);
  return proxy;
}

/** The array behind a lazy list (its items made now if they were not yet), or the list itself; read only. */
export function plainList<T>(list: readonly T[]): readonly T[] {
  const state = lists.get(list);
  return state ? (state.items() as T[]) : list;
}

/** True for a lazy list that nobody has written to since it was made (its items may have been read). */
export function isUnchangedLazyList(list: readonly unknown[]): boolean {
  const state = lists.get(list);
  return state !== undefined && !state.changed;
}
