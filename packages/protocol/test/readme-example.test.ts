// The README's example, verbatim in behaviour: if this breaks, the README is wrong.
import { expect, it } from 'vitest';
import { WireCodec, errorFrame } from '@ringkv/protocol';

it('runs the README example: encode a put, decode it on the node, refuse a bad frame', () => {
  const codec = new WireCodec({ limits: { valueBytesMax: 64 * 1024 } });

  // SDK side: a put of a structured value.
  const frame = codec.encode({ type: 'put', id: 1, key: 'user:42', ...codec.packValue({ name: 'Ada' }) });

  // Node side: every frame is decoded and validated before use; bad input is a value.
  const result = codec.decode(frame);
  if (!result.ok) throw result.error;
  const { message } = result;
  expect(message.type).toBe('put');
  if (message.type === 'put') {
    const value = codec.unpackValue(message.value, message.valueEncoding);
    expect(value.ok && value.value).toEqual({ name: 'Ada' });
  }

  const bad = codec.decode(Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff]));
  expect(bad.ok).toBe(false);
  if (!bad.ok) {
    expect(errorFrame(bad.error)).toMatchObject({ type: 'error', code: 'malformed-frame' });
    expect(bad.error.closeCode).toBe(1007);
  }
});
