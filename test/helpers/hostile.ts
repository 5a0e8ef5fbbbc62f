/** Hostile values for the tests that prove the host survives them. */

/** A Proxy that throws on every trap, including the ones `String()`, `instanceof` and spreading use. */
export function hostileProxy(): object {
  const thrower = () => {
    throw new Error('trap');
  };
  return new Proxy(
    {},
    {
      get: thrower,
      has: thrower,
      ownKeys: thrower,
      getPrototypeOf: thrower,
      getOwnPropertyDescriptor: thrower,
      defineProperty: thrower,
      set: thrower,
      deleteProperty: thrower,
      apply: thrower,
      construct: thrower,
      isExtensible: thrower,
      preventExtensions: thrower,
      setPrototypeOf: thrower,
    },
  );
}
