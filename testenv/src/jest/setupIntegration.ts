// jest's testTimeout is a global option, ignored inside `projects`: integration tests talk to a
// real API server and wait for pods, so they get two minutes per test unless they say otherwise.
jest.setTimeout(120_000);
