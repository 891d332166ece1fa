// What Web IDL gives an interface and JS classes do not: enumerable operations and attribute
// getters, a class string (Object.prototype.toString), and an interface object that cannot be
// constructed by callers.

/** Passed by create() to the constructor; anything else gets "Illegal constructor". */
export const CONSTRUCT = Symbol('perch internal constructor');

export function illegalConstructor(name: string): TypeError {
  return new TypeError(`Illegal constructor: use ${name}.create()`);
}

function makeEnumerable(target: object, keys: string[]): void {
  for (const key of keys) {
    const d = Object.getOwnPropertyDescriptor(target, key);
    if (d) Object.defineProperty(target, key, { ...d, enumerable: true });
  }
}

export function shapeAsInterface(
  cls: { prototype: object; name: string },
  name: string,
  members: { statics?: string[]; operations?: string[]; attributes?: string[] },
): void {
  makeEnumerable(cls, members.statics ?? []);
  makeEnumerable(cls.prototype, [...(members.operations ?? []), ...(members.attributes ?? [])]);
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: name, configurable: true });
}
