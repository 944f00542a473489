// Column description for DataTable.svelte.
export interface Column {
  key: string;
  label: string;
  align?: 'left' | 'right' | 'center';
}
