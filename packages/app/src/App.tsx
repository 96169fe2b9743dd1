import { Navigate, Route } from 'react-router-dom';
import { createApp } from '@backstage/app-defaults';
import { AppRouter, FlatRoutes } from '@backstage/core-app-api';
import { AlertDisplay, OAuthRequestDialog, SignInPage } from '@backstage/core-components';
import { CatalogEntityPage, CatalogIndexPage, catalogPlugin } from '@backstage/plugin-catalog';
import { ScaffolderPage, scaffolderPlugin } from '@backstage/plugin-scaffolder';
import { K0smotronClustersPage, k0smotronPlugin } from '@k0smotron/plugin-k0smotron';
import { apis } from './apis';
import { entityPage } from './components/catalog/EntityPage';
import { Root } from './components/Root';

const app = createApp({
  apis,
  plugins: [k0smotronPlugin],
  bindRoutes({ bind }) {
    bind(catalogPlugin.externalRoutes, { createComponent: scaffolderPlugin.routes.root });
    bind(scaffolderPlugin.externalRoutes, { registerComponent: catalogPlugin.routes.catalogIndex });
  },
  components: {
    // The backend runs the guest auth provider, so sign-in needs no confirmation dialog.
    SignInPage: props => <SignInPage {...props} auto providers={['guest']} />,
  },
});

const routes = (
  <FlatRoutes>
    {/* A newcomer comes for the control planes: open on them, and let the catalog start on
        Resources (where the control planes are) instead of an empty list of Components. */}
    <Route path="/" element={<Navigate to="k0smotron" />} />
    <Route path="/catalog" element={<CatalogIndexPage initialKind="resource" />} />
    <Route path="/catalog/:namespace/:kind/:name" element={<CatalogEntityPage />}>
      {entityPage}
    </Route>
    <Route path="/create" element={<ScaffolderPage />} />
    <Route path="/k0smotron" element={<K0smotronClustersPage />} />
  </FlatRoutes>
);

export default app.createRoot(
  <>
    <AlertDisplay />
    <OAuthRequestDialog />
    <AppRouter>
      <Root>{routes}</Root>
    </AppRouter>
  </>,
);
