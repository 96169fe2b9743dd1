// Local development: `npx tsx plugins/k0smotron-backend/dev/index.ts` (or `npm start` in this
// package). Talks to the current kubeconfig context unless app-config says otherwise. Auth is
// mocked: any request counts as user:default/mock (send `Authorization: Bearer mock-user-token`).
import { createBackend } from '@backstage/backend-defaults';
import { mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';

const backend = createBackend();
backend.add(mockServices.auth.factory());
backend.add(mockServices.httpAuth.factory());
backend.add(mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }));
backend.add(import('../src'));
backend.start();
