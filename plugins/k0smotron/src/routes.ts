import { createRouteRef } from '@backstage/core-plugin-api';

/** Where the app mounts `K0smotronClustersPage` (legacy frontend system). */
export const rootRouteRef = createRouteRef({ id: 'k0smotron' });
