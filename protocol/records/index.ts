/** Public surface of protocol/records (importing the individual modules works too). */
export * from './crc32c';
export * from './record-batch';
export * from './batch-iterator';
export * from './record';
export * from './control-record';
export * from './compression';
export * from './legacy-message-set';
export * from './legacy-conversion';
