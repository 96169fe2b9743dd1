// A node:test file that throws before it declares a test.
throw new Error('broken at import');
