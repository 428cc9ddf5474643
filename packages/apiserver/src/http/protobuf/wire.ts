/** The protobuf wire format, read only: varints, length-delimited fields, fixed 32/64-bit fields. */

export interface WireField {
  number: number;
  /** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  wireType: number;
  /** The varint's value (as a bigint, for int64), or the bytes of a length-delimited or fixed field. */
  value: bigint | Buffer;
}

export class ProtobufError extends Error {
  override readonly name = 'ProtobufError';
}

function readVarint(buf: Buffer, at: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = at; i < buf.length; i++) {
    const byte = buf[i]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, i + 1];
    shift += 7n;
    if (shift > 63n) throw new ProtobufError('a varint is longer than 10 bytes');
  }
  throw new ProtobufError('the message ends inside a varint');
}

/** Every field of one message, in order. */
export function readFields(buf: Buffer): WireField[] {
  const out: WireField[] = [];
  let at = 0;
  while (at < buf.length) {
    const [key, next] = readVarint(buf, at);
    at = next;
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n);
    switch (wireType) {
      case 0: {
        const [value, after] = readVarint(buf, at);
        out.push({ number, wireType, value });
        at = after;
        break;
      }
      case 1:
      case 5: {
        const size = wireType === 1 ? 8 : 4;
        if (at + size > buf.length) throw new ProtobufError('the message ends inside a fixed-size field');
        out.push({ number, wireType, value: buf.subarray(at, at + size) });
        at += size;
        break;
      }
      case 2: {
        const [length, after] = readVarint(buf, at);
        const end = after + Number(length);
        if (end > buf.length) throw new ProtobufError(`field ${number} runs past the end of the message`);
        out.push({ number, wireType, value: buf.subarray(after, end) });
        at = end;
        break;
      }
      default:
        throw new ProtobufError(`unsupported wire type ${wireType} in field ${number}`);
    }
  }
  return out;
}

/** A varint as a signed 64-bit number (two's complement), made a JavaScript number. */
export function varintNumber(value: bigint): number {
  return Number(BigInt.asIntN(64, value));
}
