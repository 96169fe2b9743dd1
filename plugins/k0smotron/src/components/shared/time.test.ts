import { describeExpiry, formatAge } from './time';

const now = new Date('2026-11-21T12:00:00Z');

describe('formatAge', () => {
  it.each([
    ['2026-11-21T11:59:15Z', '45s'],
    ['2026-11-21T11:48:00Z', '12m'],
    ['2026-11-21T09:00:00Z', '3h'],
    ['2026-11-17T11:00:00Z', '4d'],
    ['2026-11-21T12:00:30Z', '0s'],
  ])('%s is %s old', (ts, age) => {
    expect(formatAge(ts, now)).toBe(age);
  });

  it('is empty for a missing or bad timestamp', () => {
    expect(formatAge(undefined, now)).toBe('');
    expect(formatAge('yesterday', now)).toBe('');
  });
});

describe('describeExpiry', () => {
  it.each([
    ['2026-12-11T13:00:00Z', 'in 20 days'],
    ['2026-11-22T13:00:00Z', 'tomorrow'],
    ['2026-11-21T18:00:00Z', 'today'],
    ['2026-11-21T06:00:00Z', 'expired today'],
    ['2026-11-18T06:00:00Z', 'expired 3 days ago'],
    ['garbage', 'unknown'],
  ])('%s is %s', (ts, text) => {
    expect(describeExpiry(ts, now)).toBe(text);
  });
});
