import { Grid } from '@material-ui/core';
import { EntityAboutCard, EntityLayout, EntitySwitch, EntityLinksCard } from '@backstage/plugin-catalog';
import { EntityK0smotronClusterCard, EntityK0smotronContent, isK0smotronClusterAvailable } from '@k0smotron/plugin-k0smotron';

const resourcePage = (
  <EntityLayout>
    <EntityLayout.Route path="/" title="Overview">
      <Grid container spacing={3} alignItems="stretch">
        <EntitySwitch>
          <EntitySwitch.Case if={isK0smotronClusterAvailable}>
            <Grid item md={6} xs={12}>
              <EntityK0smotronClusterCard />
            </Grid>
          </EntitySwitch.Case>
        </EntitySwitch>
        <Grid item md={6} xs={12}>
          <EntityAboutCard />
        </Grid>
        <Grid item md={6} xs={12}>
          <EntityLinksCard />
        </Grid>
      </Grid>
    </EntityLayout.Route>
    <EntityLayout.Route path="/k0smotron" title="Control plane" if={isK0smotronClusterAvailable}>
      <EntityK0smotronContent />
    </EntityLayout.Route>
  </EntityLayout>
);

const defaultPage = (
  <EntityLayout>
    <EntityLayout.Route path="/" title="Overview">
      <Grid container spacing={3}>
        <Grid item md={6} xs={12}>
          <EntityAboutCard />
        </Grid>
      </Grid>
    </EntityLayout.Route>
  </EntityLayout>
);

export const entityPage = (
  <EntitySwitch>
    <EntitySwitch.Case if={e => e.kind.toLowerCase() === 'resource'}>{resourcePage}</EntitySwitch.Case>
    <EntitySwitch.Case>{defaultPage}</EntitySwitch.Case>
  </EntitySwitch>
);
