export * from './weights-codec.js';
export * from './ws-transmitter.js';
export * from './s3-transmitter.js';
