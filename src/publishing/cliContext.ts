import { loadConfig, type Config } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import { repositorySource } from '../mirrors/index.js';
import { ProjectRegistry } from '../projects/registry.js';
import { ReleaseService } from '../releases/service.js';
import type { CliIo } from '../cli/command.js';

/** What the publishing commands work with: the server's own registry and release resolution, no HTTP. */
export interface PublishingContext {
  config: Config;
  log: Logger;
  projects: ProjectRegistry;
  releases: ReleaseService;
  close(): Promise<void>;
}

/**
 * Same environment variables as the server (loadConfig). Logs go to stderr, only errors unless
 * LOG_LEVEL is set: the commands print what matters themselves, stdout stays for results.
 * Commands only read: the demo repository is created by the server's start, never here (a
 * missing one is reported as unreadable, like any other repository).
 */
export async function openPublishingContext(io: CliIo): Promise<PublishingContext> {
  const config = loadConfig(io.env);
  const log = createLogger(io.env.LOG_LEVEL ? config.logLevel : 'error', io.stderr);
  const projects = new ProjectRegistry({ dir: config.projectSettingsDir, log, env: io.env });
  await projects.load();
  const releases = new ReleaseService(projects, repositorySource({ dataDir: config.dataDir, log }), log);
  return {
    config,
    log,
    projects,
    releases,
    async close() {
      await releases.close();
      await projects.close();
    },
  };
}
