// The new frontend system (@backstage/frontend-defaults), as @backstage/create-app writes it now:
// every plugin is a feature of createApp. The README steps of the plugins are applied to it.
import { createApp } from '@backstage/frontend-defaults';
import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import { SignInPage } from '@backstage/core-components';
import catalogPlugin from '@backstage/plugin-catalog/alpha';

// Guest sign-in through the backend's guest provider.
const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [
    SignInPageBlueprint.make({
      params: {
        loader: async () => props => <SignInPage {...props} auto providers={['guest']} />,
      },
    }),
  ],
});

export default createApp({
  features: [
    catalogPlugin,
    // The app's own modules.
    signInModule,
  ],
});
