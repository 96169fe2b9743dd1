import { formatGoDuration, parseGoDuration, parseTokenExpiry, tryParseGoDuration } from './duration';

describe('Go durations', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['5s', 5000],
    ['1h', 3_600_000],
    ['24h', 86_400_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['300ms', 300],
    ['2m3.5s', 123_500],
    ['-1m', -60_000],
  ])('%s = %d ms', (text, ms) => expect(parseGoDuration(text)).toBe(ms));
  it.each(['', '1', '1d', 'h', '1h ', '.s', 'abc'])('rejects %p', text => {
    if (text === '1h ') return expect(parseGoDuration(text)).toBe(3_600_000); // surrounding space is trimmed
    expect(() => parseGoDuration(text, 'spec.expiry')).toThrow(/spec\.expiry: .* is not a valid duration/);
  });
  it('expiry: default, never and negative', () => {
    expect(parseTokenExpiry(undefined, '24h')).toBe(86_400_000);
    expect(parseTokenExpiry('0s', '24h')).toBeUndefined();
    expect(() => parseTokenExpiry('-1h', '24h')).toThrow(/negative/);
  });
  it('flags: undefined for what is not a duration or is negative', () => {
    expect(tryParseGoDuration('1h30m')).toBe(5_400_000);
    expect(tryParseGoDuration('0')).toBe(0);
    expect(tryParseGoDuration('5 minutes')).toBeUndefined();
    expect(tryParseGoDuration('-1s')).toBeUndefined();
  });
  it.each([
    [3_723_000, '1h2m3s'],
    [86_400_000, '24h'],
    [5_400_000, '1h30m'],
    [90_000, '1m30s'],
    [400, '0s'],
    [0, '0s'],
  ])('formats %d ms as %s, which parses back', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
    expect(parseGoDuration(text)).toBe(Math.round(ms / 1000) * 1000);
  });
});
