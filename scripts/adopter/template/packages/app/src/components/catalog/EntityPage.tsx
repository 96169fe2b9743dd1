// The entity pages, shaped like create-app's EntityPage.tsx (its overview grid, the default page
// every kind without its own page gets, and the switch), cut down to what the check needs.
import { Grid } from '@material-ui/core';
import { EntityAboutCard, EntityLayout, EntitySwitch } from '@backstage/plugin-catalog';

const overviewContent = (
  <Grid container spacing={3} alignItems="stretch">
    <Grid item md={6}>
      <EntityAboutCard variant="gridItem" />
    </Grid>
  </Grid>
);

const defaultEntityPage = (
  <EntityLayout>
    <EntityLayout.Route path="/" title="Overview">
      {overviewContent}
    </EntityLayout.Route>
  </EntityLayout>
);

export const entityPage = (
  <EntitySwitch>
    <EntitySwitch.Case>{defaultEntityPage}</EntitySwitch.Case>
  </EntitySwitch>
);
