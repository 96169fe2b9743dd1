import { eventually, poller } from './eventually';

describe('eventually', () => {
  it('returns the first value that is not undefined, null or false, including 0 and empty strings', async () => {
    const answers: unknown[] = [undefined, null, false, 0];
    expect(await eventually('a value', () => answers.shift() as number | undefined, 1000, 1)).toBe(0);
    expect(await eventually('an empty string', async () => '', 1000, 1)).toBe('');
  });

  it('treats a throwing check as not yet, and names what it waited for and the last error when time runs out', async () => {
    let calls = 0;
    await expect(
      eventually(
        'the Secret',
        () => {
          calls++;
          throw new Error('secrets "x" not found');
        },
        50,
        5,
      ),
    ).rejects.toThrow(/^timed out after 50 ms waiting for the Secret: secrets "x" not found$/);
    expect(calls).toBeGreaterThan(1);
  });

  it('uses the defaults a suite gives its poller unless a call overrides them', async () => {
    const quick = poller({ timeoutMs: 20, everyMs: 5 });
    const started = Date.now();
    await expect(quick('never', () => false)).rejects.toThrow('timed out after 20 ms waiting for never');
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(quick('never', () => false, 30)).rejects.toThrow('timed out after 30 ms');
  });
});
