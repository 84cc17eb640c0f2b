// What the bundled dependencies use of node:assert (sonic-boom and
// thread-stream call assert(value, message) and nothing else). Loading the
// real module pulls in Node's assertion-error formatting, colours and tty
// code: ~4 ms of every start-up, for checks that never fail in exectrace.
'use strict';
module.exports = function assert(value, message) {
  if (!value) {
    const err = new Error(message === undefined ? 'assertion failed' : String(message));
    err.code = 'ERR_ASSERTION';
    throw err;
  }
};
