// Local development, from plugins/k0smotron-backend:
//   npx tsx dev/index.ts --config dev/app-config.yaml
// Serves :7007 against the current kubeconfig context. Auth is mocked: send
// `Authorization: Bearer mock-user-token` (a user) or `mock-none-token` (401); permissions allow all.
import { createBackend } from '@backstage/backend-defaults';
import { mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';

const backend = createBackend();
backend.add(mockServices.auth.factory());
backend.add(mockServices.httpAuth.factory());
backend.add(mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }));
backend.add(import('../src'));
backend.start();
