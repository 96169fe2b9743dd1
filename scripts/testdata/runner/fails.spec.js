test('fails an assertion', () => {
  expect(1 + 1).toBe(3);
});
