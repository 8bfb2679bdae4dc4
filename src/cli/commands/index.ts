import type { CliCommand } from '../command.js';
import { buildCommand } from './build.js';
import { createAdminCommand } from './createAdmin.js';
import { projectsCommand } from './projects.js';
import { refreshCommand } from './refresh.js';
import { validateCommand } from './validate.js';

/** Every CLI command (help is added by the dispatcher). New commands: one file here, one line below. */
export const commands: CliCommand[] = [createAdminCommand, projectsCommand, refreshCommand, buildCommand, validateCommand];
