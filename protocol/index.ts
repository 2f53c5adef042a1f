/** Public surface of the protocol layer (records live in protocol/records). */
export * from './errors';
export * from './primitives';
export * from './header';
export * from './frame';
export * from './generated';
