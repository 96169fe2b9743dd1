import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// The CI machine is small and shared: give renders of the material-table based views time.
configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(60_000);
