// Test executables under Node: Debian's emscripten 3.1.6 loader tries fetch() on a file path,
// which Node 18+ rejects, so hand it the .wasm bytes ourselves. Pthread workers are eval'ed
// without __filename and receive the compiled module from the main thread, so they skip this.
if (typeof process === 'object' && process.versions && process.versions.node &&
    typeof __filename !== 'undefined' && typeof Module['wasmBinary'] === 'undefined') {
  Module['wasmBinary'] = require('fs').readFileSync(__filename.replace(/\.js$/, '.wasm'));
}
