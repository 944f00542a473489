// The app version written into every artifact's metadata. Core code cannot read package.json at
// run time (it also runs in a Web Worker), so it is a constant; a unit test keeps it equal to
// package.json's "version".
export const APP_VERSION = '0.1.0';
