// The untrusted suite runs through the same mocha entry as the trusted one; its tests are the
// *.test.js bundled beside this file.
export { run } from '../integration/index';
