/** Download counts per project version (the `downloaded` field of plugin_information). */
export interface DownloadTables {
  download_counts: {
    slug: string;
    version: string;
    count: number;
  };
}
