// Geometry of the inventory list: one fixed height per item type.

import type { ListItem } from './inventory';

export const ITEM_HEIGHT: Record<ListItem['type'], number> = {
  env: 36,
  purpose: 30,
  key: 44,
};

export const itemHeight = (item: ListItem): number => ITEM_HEIGHT[item.type];
