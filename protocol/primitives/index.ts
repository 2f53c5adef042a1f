/** The primitives the generated codecs and hand-written protocol code build on. */
export * from './reader';
export * from './writer';
export * from './varint';
export * from './tagged-fields';
export * from './support';
