import { type PropsWithChildren } from 'react';
import HomeIcon from '@material-ui/icons/Home';
import CreateComponentIcon from '@material-ui/icons/AddCircleOutline';
import StorageIcon from '@material-ui/icons/Storage';
import { Sidebar, SidebarItem, SidebarPage, SidebarDivider } from '@backstage/core-components';

export const Root = ({ children }: PropsWithChildren<{}>) => (
  <SidebarPage>
    <Sidebar>
      <SidebarItem icon={HomeIcon} to="catalog" text="Catalog" />
      <SidebarItem icon={StorageIcon} to="k0smotron" text="Control planes" />
      <SidebarItem icon={CreateComponentIcon} to="create" text="Create…" />
      <SidebarDivider />
    </Sidebar>
    {children}
  </SidebarPage>
);
