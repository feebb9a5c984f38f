/**
 * The tests' own helpers where a mistake would hide one: an edited stack is
 * synthesized once per file for each distinct input, so the key must tell
 * apart every two inputs that validation or synth could tell apart.
 */
import { source, sourceKey } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any -- raw copies, edited by shape */
describe('sourceKey', () => {
  const key = (edit?: (s: any) => void) => sourceKey('production', source('production', edit));

  it('is the same for the same input, whichever edit made it', () => {
    const thereAndBack = (s: any) => {
      s.services[0].replicas += 1;
      s.services[0].replicas -= 1;
    };
    expect(key(thereAndBack)).toBe(key());
  });

  it('tells apart a key set to undefined from one left out, and NaN or Infinity from null', () => {
    const keys = [
      key(),
      key((s) => (s.extra = undefined)),
      key((s) => (s.extra = null)),
      key((s) => (s.extra = NaN)),
      key((s) => (s.extra = Infinity)),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('names the environment', () => {
    expect(sourceKey('staging', source('production'))).not.toBe(key());
  });
});
