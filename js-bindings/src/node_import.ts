// Node built-ins are imported through a variable specifier so that browser bundlers neither
// resolve nor warn about them; these code paths only run in Node.
export function nodeImport<T>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}
