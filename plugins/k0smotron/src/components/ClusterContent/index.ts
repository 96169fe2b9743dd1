export { EntityK0smotronContent } from './EntityK0smotronContent';
export type { EntityK0smotronContentProps } from './EntityK0smotronContent';
