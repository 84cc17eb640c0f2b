// node:worker_threads as the bundled dependencies of the sidecar see it:
// pino reads isMainThread when it creates its destination, and thread-stream
// (pino's transports, which exectrace does not use) takes Worker. Loading
// the real module pulls in Node's worker, messaging and stream code, ~4 ms
// of every start-up. The sidecar bundle is always a process's entry point,
// so it runs on the main thread; anything else is the real module's, loaded
// when first asked for.
'use strict';
let real;
const load = () => (real ??= require('node:worker_threads'));
module.exports = new Proxy({ isMainThread: true }, {
  get(target, key) {
    return key in target ? target[key] : load()[key];
  },
});
