// The demo's Backstage backend: catalog, scaffolder, guest sign-in, permissions, and the
// k0smotron plugins with the embedded reconciler (see app-config.yaml).
import { createBackend } from '@backstage/backend-defaults';
import { demoPermissionPolicyModule } from './permissionPolicy';
import { simulatedControlPlanesModule } from './simulatedControlPlanes';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'));
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(demoPermissionPolicyModule);

backend.add(import('@k0smotron/plugin-k0smotron-backend'));
backend.add(import('@k0smotron/plugin-catalog-backend-module-k0smotron'));
backend.add(import('@k0smotron/plugin-scaffolder-backend-module-k0smotron'));
backend.add(simulatedControlPlanesModule);

backend.start();
