// Fails to load: the module does not exist, so no test in this file ever runs.
require('./this-module-does-not-exist');

test('never runs', () => {
  expect(true).toBe(true);
});
