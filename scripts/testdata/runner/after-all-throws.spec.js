// Every test passes, then the suite's teardown throws.
afterAll(() => {
  throw new Error('teardown failed');
});

test('passes before the teardown throws', () => {
  expect(true).toBe(true);
});
