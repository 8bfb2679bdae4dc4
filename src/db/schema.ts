import type { DownloadTables } from './tables/downloads.js';
import type { PanelTables } from './tables/panel.js';
import type { RemoteJobTables } from './tables/remoteJobs.js';

/** Table types for Kysely, one file per feature under ./tables; ./migrations creates them. */
export interface Database extends PanelTables, RemoteJobTables, DownloadTables {}
