/** The protobuf wire format, written: a message is a list of fields, each a number and a value. */

export type ProtoValue = string | boolean | number | bigint | Buffer | ProtoMessage;
/** Fields in order; a repeated field is the same number several times. */
export type ProtoMessage = [number, ProtoValue | undefined][];

function varint(n: bigint): Buffer {
  const bytes: number[] = [];
  let v = BigInt.asUintN(64, n);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v !== 0n);
  return Buffer.from(bytes);
}

function key(number: number, wireType: number): Buffer {
  return varint(BigInt((number << 3) | wireType));
}

function lengthDelimited(number: number, bytes: Buffer): Buffer {
  return Buffer.concat([key(number, 2), varint(BigInt(bytes.length)), bytes]);
}

/** Encodes a message. Strings, Buffers and messages are length-delimited; booleans and integers varints; other numbers doubles. */
export function encodeMessage(message: ProtoMessage): Buffer {
  const parts: Buffer[] = [];
  for (const [number, value] of message) {
    if (value === undefined) continue;
    if (typeof value === 'string') parts.push(lengthDelimited(number, Buffer.from(value, 'utf8')));
    else if (Buffer.isBuffer(value)) parts.push(lengthDelimited(number, value));
    else if (Array.isArray(value)) parts.push(lengthDelimited(number, encodeMessage(value)));
    else if (typeof value === 'boolean') parts.push(Buffer.concat([key(number, 0), varint(value ? 1n : 0n)]));
    else if (typeof value === 'bigint') parts.push(Buffer.concat([key(number, 0), varint(value)]));
    else {
      const double = Buffer.alloc(8);
      double.writeDoubleLE(value);
      parts.push(Buffer.concat([key(number, 1), double]));
    }
  }
  return Buffer.concat(parts);
}
